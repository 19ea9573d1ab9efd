/** The deadline sweep: one database grown to each size, 1 000 cases due at each, swept by the service's job. */
import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freshDb, migrate, vacuumAnalyze } from './databases.js';
import { DUE, type Dialect, log, tmp } from './options.js';
import { openSink, seedCases, seedMerchants, seedUsers } from './seed.js';
import { appEnv } from './servers.js';

export interface Sweep {
  cases: number;
  due: number;
  swept: number;
  seconds: number;
  seedSeconds: number;
  seedCpuSeconds: number;
}

export async function sweepSuite(dialect: Dialect, sizes: number[]): Promise<Sweep[]> {
  const db = await freshDb(dialect, 'sweep');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'sweep-'));
  const out: Sweep[] = [];
  try {
    await migrate(db.url);
    const now = Date.now();
    const customers = Array.from({ length: 1000 }, (_, i) => `sweep_c${i}`);
    const merchants = Array.from({ length: 100 }, (_, i) => ({ id: `sweep_m${i}`, members: [] }));
    const people = openSink(db.url);
    await seedUsers(people, customers, now);
    await seedMerchants(people, merchants, now);
    await people.close();
    let have = 0;
    for (const size of sizes) {
      // Grow the same database: 1 000 new cases due, the rest open (due later) or closed.
      const t0 = Date.now();
      const cpu0 = process.cpuUsage();
      const add = size - have;
      const sink = openSink(db.url);
      await sink.withoutIndexes(['payments', 'cases', 'case_events'], async () => {
        await seedCases(
          sink,
          have,
          add,
          {
            customerOf: (i) => customers[i % customers.length]!,
            merchantOf: (i) => merchants[i % merchants.length]!.id,
            kindOf: (i) => (i - have < DUE ? 'due' : i % 2 ? 'open' : 'closed'),
            createdAt: (i) => now - 30 * 86_400_000 + i,
          },
          now,
          50_000,
        );
      });
      await sink.close();
      await vacuumAnalyze(db.url);
      const seedSeconds = (Date.now() - t0) / 1000;
      // On a busy machine wall time says little; the runner's own CPU time is the seeding's cost (SQLite runs in process).
      const used = process.cpuUsage(cpu0);
      const seedCpuSeconds = (used.user + used.system) / 1e6;
      have = size;
      const app = await createApp(loadConfig({ ...appEnv(db.url, dataDir), LOG_LEVEL: 'error' }));
      try {
        const started = performance.now();
        let swept = 0;
        for (let n; (n = await app.services.jobs.sweepDeadlines()) > 0;) swept += n;
        const seconds = (performance.now() - started) / 1000;
        out.push({ cases: size, due: DUE, swept, seconds, seedSeconds, seedCpuSeconds });
        log(
          `  sweep ${size} cases (${DUE} due): ${swept} swept in ${seconds.toFixed(2)} s (seeded +${add} in ${seedSeconds.toFixed(1)} s, ${seedCpuSeconds.toFixed(1)} s CPU)`,
        );
      } finally {
        await app.close();
      }
    }
    return out;
  } finally {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
