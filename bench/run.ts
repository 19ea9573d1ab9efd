/**
 * `npm run bench`: the hot paths, each beside a baseline measured in the same
 * run (see BENCHMARKS.md). SQLite always; PostgreSQL too when DATABASE_URL
 * names a PostgreSQL server (a fresh database per run, dropped after).
 *
 *   --seconds N     measured seconds per HTTP scenario and side (default 6, in 3 alternating rounds, after 1 s warm-up)
 *   --sizes a,b,c   deadline-sweep sizes (default 10000,100000,1000000)
 *   --pg-sizes a,b  sizes on PostgreSQL (default: the same)
 *   --only x,y      sections: http, writes, sweep, upload (default all), insights (only when named)
 *   --insights-sizes a,b  a merchant's total cases for the insights section (default 10000,1000000)
 *   --db sqlite|postgres|both
 *   --scenario s    only the HTTP scenarios whose name contains s (read, open, reply, history, floor, list)
 *   --cpu-prof DIR  the service under test writes a V8 CPU profile there (see bench/profile-top.ts)
 *
 * Not a test and never part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpSuite } from './http-suite.js';
import { insightsSuite } from './insights-suite.js';
import { ROUNDS } from './load.js';
import { CONNECTIONS, DEEP_PAGE, DIALECTS, INSIGHTS_SIZES, ONLY, PAGE, PARTIAL, PG_SIZES, SECONDS, SIZES, log, tmp } from './options.js';
import { Report } from './report.js';
import { startServer } from './servers.js';
import { sweepSuite } from './sweep-suite.js';
import { uploadSuite } from './upload-suite.js';

async function main() {
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      load: os.loadavg(),
    },
    settings: { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, warmupSeconds: 1, pageSize: PAGE, deepPage: DEEP_PAGE },
    databases: {},
  };
  const report = new Report();
  const bare = ONLY.has('http') ? await startServer('bare-server.ts', {}) : null;
  try {
    for (const dialect of DIALECTS) {
      log(`\n== ${dialect}`);
      const entry: Record<string, unknown> = {};
      (results.databases as Record<string, unknown>)[dialect] = entry;
      if (bare) {
        const { http, writes } = await httpSuite(dialect, bare);
        entry.http = http;
        entry.writes = writes;
        report.http(dialect, http, writes, entry);
      }
      if (ONLY.has('insights')) {
        const figs = await insightsSuite(dialect, INSIGHTS_SIZES);
        entry.insights = figs;
        report.insights(dialect, figs);
      }
      if (ONLY.has('sweep')) {
        const sweeps = await sweepSuite(dialect, dialect === 'postgres' ? PG_SIZES : SIZES);
        entry.sweep = sweeps;
        report.sweep(dialect, sweeps);
      }
    }
  } finally {
    await bare?.stop();
  }
  if (ONLY.has('upload')) {
    log('\n== upload (100 MiB, local disk)');
    const upload = await uploadSuite();
    results.upload = upload;
    if (upload) report.upload(upload);
  }
  results.targets = report.targets;
  console.log(`\n${report.text()}`);
  // A partial run must not replace the full record.
  const file = PARTIAL ? 'results.partial.json' : 'results.json';
  fs.writeFileSync(path.join(import.meta.dirname, file), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/${file}`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
