/**
 * The printed report: a table per section and database, and the targets each figure is held to
 * (see BENCHMARKS.md), also written to the results file.
 */
import type { DirectResult } from './direct.js';
import { INSIGHTS_WINDOW_CASES, type InsightsFigure } from './insights-suite.js';
import type { HttpScenario } from './load.js';
import { CONNECTIONS, DUE, type Dialect, LONG_HISTORY, SECONDS, SHORT_HISTORY } from './options.js';
import type { Sweep } from './sweep-suite.js';

const f = (n: number, d = 0) => n.toFixed(d);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export interface Target {
  target: string;
  db: string;
  value: string;
  met: boolean;
}

export class Report {
  readonly lines: string[] = [];
  readonly targets: Target[] = [];

  /** The HTTP scenarios beside their direct-SQL writes; the slowdowns go into the database's results `entry`. */
  http(dialect: Dialect, http: HttpScenario[], writes: { open: DirectResult; reply: DirectResult } | null, entry: Record<string, unknown>) {
    const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'bare req/s', 'ratio', 'body B', 'direct SQL tx/s', 'HTTP/direct']];
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
        this.targets.push({ target: `${s.name} ≥ ${floor} × bare`, db: dialect, value: f(s.ratio, 2), met: s.ratio >= floor });
        this.targets.push({ target: `${s.name} p99 ≤ 50 ms`, db: dialect, value: `${s.app.p99} ms`, met: s.app.p99 <= 50 });
        this.targets.push({ target: `${s.name} no errors`, db: dialect, value: String(s.app.errors), met: s.app.errors === 0 });
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
      this.targets.push({
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
      this.targets.push({
        target: `reply on ${LONG_HISTORY} events ≤ 1.5 × reply on ${SHORT_HISTORY} (time, each vs its bare)`,
        db: dialect,
        value: `${f(r, 2)}× (raw ${f(short.app.rps / long.app.rps, 2)}×)`,
        met: r <= 1.5,
      });
    }
    this.lines.push(`${dialect}: HTTP (${CONNECTIONS} connections, ${SECONDS} s each)`, table(rows), '');
  }

  insights(dialect: Dialect, figs: InsightsFigure[]) {
    const base = figs[0];
    this.lines.push(
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
      this.targets.push({
        target: `insights of ${last.cases} ≤ 1.5 × insights of ${base.cases}`,
        db: dialect,
        value: `${f(last.afterMs / base.afterMs, 2)}× (HTTP ${f(last.httpMs / base.httpMs, 2)}×)`,
        met: last.afterMs / base.afterMs <= 1.5,
      });
  }

  sweep(dialect: Dialect, sweeps: Sweep[]) {
    const base = sweeps[0];
    this.lines.push(
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
      this.targets.push({
        target: `sweep of ${last.cases} ≤ 2 × sweep of ${base.cases}`,
        db: dialect,
        value: `${f(last.seconds / base.seconds, 2)}×`,
        met: last.seconds / base.seconds <= 2 && last.swept === DUE,
      });
  }

  upload(upload: { growthMiB: number; limitMiB: number }) {
    this.lines.push(`upload: 100 MiB grows server RSS by ${f(upload.growthMiB, 1)} MiB (limit ${upload.limitMiB})`, '');
    this.targets.push({
      target: '100 MiB upload RSS growth < 32 MiB',
      db: 'sqlite',
      value: `${f(upload.growthMiB, 1)} MiB`,
      met: upload.growthMiB < 32,
    });
  }

  /** The sections' tables, then the targets. */
  text(): string {
    return [
      ...this.lines,
      'targets',
      table([['target', 'db', 'measured', 'met'], ...this.targets.map((t) => [t.target, t.db, t.value, t.met ? 'yes' : 'NO'])]),
    ].join('\n');
  }
}
