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
import { INSIGHTS_WINDOW_CASES, insightsSuite } from './insights-suite.js';
import { ROUNDS } from './load.js';
import {
  CONNECTIONS,
  DEEP_PAGE,
  DIALECTS,
  DUE,
  INSIGHTS_SIZES,
  LONG_HISTORY,
  ONLY,
  PAGE,
  PARTIAL,
  PG_SIZES,
  SECONDS,
  SHORT_HISTORY,
  SIZES,
  log,
  tmp,
} from './options.js';
import { f, table } from './report.js';
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
  const lines: string[] = [];
  const targets: { target: string; db: string; value: string; met: boolean }[] = [];
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
        const rows = [
          ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'bare req/s', 'ratio', 'body B', 'direct SQL tx/s', 'HTTP/direct'],
        ];
        for (const s of http) {
          const d = s.name === 'open a case' ? writes?.open : s.name === 'reply on a case' ? writes?.reply : undefined;
          rows.push([
            s.name,
            f(s.app.rps),
            f(s.app.p50),
            f(s.app.p99),
            String(s.app.errors),
            f(s.bare.rps),
            f(s.ratio, 2),
            String(s.bodyBytes),
            d ? f(d.perSecond) : '',
            d ? f(s.app.rps / d.perSecond, 2) : '',
          ]);
          const floor = s.name.startsWith('read') ? 0.5 : s.name.startsWith('open') || s.name.startsWith('reply') ? 0.15 : null;
          if (floor !== null) {
            targets.push({ target: `${s.name} ≥ ${floor} × bare`, db: dialect, value: f(s.ratio, 2), met: s.ratio >= floor });
            targets.push({ target: `${s.name} p99 ≤ 50 ms`, db: dialect, value: `${s.app.p99} ms`, met: s.app.p99 <= 50 });
            targets.push({ target: `${s.name} no errors`, db: dialect, value: String(s.app.errors), met: s.app.errors === 0 });
          }
        }
        const first = http.find((s) => s.name === 'list: first page');
        const deep = http.find((s) => s.name.startsWith('list: page'));
        if (first && deep) {
          // Both bare bodies are the same size, so each page's ratio to its bare route takes
          // out the machine's load, which moves between the two scenarios' measurements.
          const r = first.ratio / deep.ratio;
          entry.deepPageSlowdown = r;
          entry.deepPageSlowdownRaw = first.app.rps / deep.app.rps;
          targets.push({
            target: 'deep page ≤ 1.5 × first page (time, each vs its bare)',
            db: dialect,
            value: `${f(r, 2)}× (raw ${f(first.app.rps / deep.app.rps, 2)}×)`,
            met: r <= 1.5,
          });
        }
        const short = http.find((s) => s.name === `history: reply, ${SHORT_HISTORY} events`);
        const long = http.find((s) => s.name === `history: reply, ${LONG_HISTORY} events`);
        if (short && long) {
          // As for the deep page: each against its bare route, which takes out the load between the two.
          const r = short.ratio / long.ratio;
          entry.historySlowdown = r;
          targets.push({
            target: `reply on ${LONG_HISTORY} events ≤ 1.5 × reply on ${SHORT_HISTORY} (time, each vs its bare)`,
            db: dialect,
            value: `${f(r, 2)}× (raw ${f(short.app.rps / long.app.rps, 2)}×)`,
            met: r <= 1.5,
          });
        }
        lines.push(`${dialect}: HTTP (${CONNECTIONS} connections, ${SECONDS} s each)`, table(rows), '');
      }
      if (ONLY.has('insights')) {
        const figs = await insightsSuite(dialect, INSIGHTS_SIZES);
        entry.insights = figs;
        const base = figs[0];
        lines.push(
          `${dialect}: merchant insights (90-day window, ${INSIGHTS_WINDOW_CASES} cases in it), median ms`,
          table([
            ['cases', 'before ms', 'after ms', 'after via HTTP ms', 'after × smallest', 'before × smallest'],
            ...figs.map((x) => [
              String(x.cases),
              f(x.beforeMs, 1),
              f(x.afterMs, 1),
              f(x.httpMs, 1),
              base ? f(x.afterMs / base.afterMs, 2) : '',
              base ? f(x.beforeMs / base.beforeMs, 2) : '',
            ]),
          ]),
          '',
        );
        const last = figs.at(-1);
        if (base && last && last !== base)
          targets.push({
            target: `insights of ${last.cases} ≤ 1.5 × insights of ${base.cases}`,
            db: dialect,
            value: `${f(last.afterMs / base.afterMs, 2)}× (HTTP ${f(last.httpMs / base.httpMs, 2)}×)`,
            met: last.afterMs / base.afterMs <= 1.5,
          });
      }
      if (ONLY.has('sweep')) {
        const sweeps = await sweepSuite(dialect, dialect === 'postgres' ? PG_SIZES : SIZES);
        entry.sweep = sweeps;
        const base = sweeps[0];
        lines.push(
          `${dialect}: deadline sweep (${DUE} due)`,
          table([
            ['cases', 'swept', 'seconds', 'cases/s', '× smallest', 'seeding s', 'seeding CPU s'],
            ...sweeps.map((s) => [
              String(s.cases),
              String(s.swept),
              f(s.seconds, 2),
              f(s.swept / s.seconds),
              base ? f(s.seconds / base.seconds, 2) : '',
              f(s.seedSeconds, 1),
              f(s.seedCpuSeconds, 1),
            ]),
          ]),
          '',
        );
        const last = sweeps.at(-1);
        if (base && last && last !== base)
          targets.push({
            target: `sweep of ${last.cases} ≤ 2 × sweep of ${base.cases}`,
            db: dialect,
            value: `${f(last.seconds / base.seconds, 2)}×`,
            met: last.seconds / base.seconds <= 2 && last.swept === DUE,
          });
      }
    }
  } finally {
    await bare?.stop();
  }
  if (ONLY.has('upload')) {
    log('\n== upload (100 MiB, local disk)');
    const upload = await uploadSuite();
    results.upload = upload;
    if (upload) {
      lines.push(`upload: 100 MiB grows server RSS by ${f(upload.growthMiB, 1)} MiB (limit ${upload.limitMiB})`, '');
      targets.push({
        target: '100 MiB upload RSS growth < 32 MiB',
        db: 'sqlite',
        value: `${f(upload.growthMiB, 1)} MiB`,
        met: upload.growthMiB < 32,
      });
    }
  }
  results.targets = targets;
  lines.push(
    'targets',
    table([['target', 'db', 'measured', 'met'], ...targets.map((t) => [t.target, t.db, t.value, t.met ? 'yes' : 'NO'])]),
  );
  console.log(`\n${lines.join('\n')}`);
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
