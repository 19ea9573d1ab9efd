/**
 * The command line: `serve` (HTTP + worker, or `--no-worker`), `worker`, `migrate`.
 * SIGTERM and SIGINT drain in-flight requests and the current worker pass.
 */
import { createApp, createLogger } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { Clock } from './clock.js';
import { checkInvariants } from './ops/invariants.js';
import { demoLoginHelp } from './seed/demo.js';

async function main(argv: string[]) {
  const [command = 'serve', ...flags] = argv;
  const config = loadConfig();
  const log = createLogger(config);

  if (command === 'migrate') {
    const database = openDatabase(config.databaseUrl);
    const applied = await migrateToLatest(database.db);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
    await database.close();
    return;
  }
  if (command === 'check') {
    const database = openDatabase(config.databaseUrl);
    try {
      const clock = new Clock(database.db, config.devClock);
      await clock.sync();
      const problems = await checkInvariants(database.db, clock.now());
      for (const p of problems) console.log(p);
      console.log(problems.length ? `${problems.length} invariant violations` : 'All invariants hold.');
      if (problems.length) process.exitCode = 1;
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'backup') {
    const target = flags[0];
    const database = openDatabase(config.databaseUrl);
    try {
      if (!target) throw new ConfigError('Usage: backup <file>');
      if (!database.backup) throw new ConfigError('backup is for SQLite; back up PostgreSQL with pg_dump or your provider’s snapshots');
      await database.backup(target);
      console.log(`Backed up ${config.databaseUrl} to ${target}`);
    } finally {
      await database.close();
    }
    return;
  }
  if (command !== 'serve' && command !== 'worker') {
    console.error(`Unknown command "${command}". Use: serve [--no-worker] | worker | migrate | check | backup <file>`);
    process.exit(2);
  }

  const app = await createApp({ ...config, demoSeed: command === 'serve' && config.demoSeed }, { logger: log });
  const runWorker = command === 'worker' || !flags.includes('--no-worker');
  if (command === 'serve') {
    await app.server.listen({ host: config.host, port: config.port });
    console.log(`\nResolution Center is running at ${config.publicUrl}`);
    console.log(`API docs: ${config.publicUrl}/docs`);
    if (config.platformApiKeyIsDefault) console.log(`Development platform API key: ${config.platformApiKey}`);
    if (config.demoSeed) console.log(`\nDemo users (password for all: see below):\n${demoLoginHelp()}\n`);
  }
  if (runWorker) app.services.jobs.start();
  if (command === 'worker') console.log('Resolution Center worker started');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(78);
  }
  console.error(err);
  process.exit(1);
});
