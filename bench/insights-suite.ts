/** Merchant insights: the old route's queries (insights-before.ts) beside the service's, as the merchant's history grows. */
import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { Insights } from '../src/insights/insights.js';
import { freshDb, migrate, vacuumAnalyze } from './databases.js';
import { insightsBefore } from './insights-before.js';
import { type Dialect, log, tmp } from './options.js';
import { openSink, seedCases, seedDisputes, seedMerchants, seedPayments, seedSession, seedUsers } from './seed.js';
import { appEnv } from './servers.js';

export interface InsightsFigure {
  cases: number;
  windowCases: number;
  /** Median ms of one read: the old route's queries (main at 97d1d1e), the service's, and the service's through HTTP. */
  beforeMs: number;
  afterMs: number;
  httpMs: number;
  runs: { before: number; after: number; http: number };
  seedSeconds: number;
}

export const INSIGHTS_WINDOW_CASES = 3000;
export const INSIGHTS_WINDOW_PAYMENTS = 50_000;

/** Runs `fn` (after one warm-up run) at least 3 times and until 2 s have passed (at most 30), or once past 20 s; the median ms. */
export async function timed(fn: () => Promise<unknown>, warm = true): Promise<{ ms: number; runs: number }> {
  if (warm) await fn();
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const spent = performance.now() - start;
    if ((times.length >= 3 && spent >= 2000) || times.length >= 30 || spent >= 20_000) break;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/**
 * One merchant's cases grown in place, 10 000 then 1 000 000 by default: the same 3 000
 * cases and 50 000 payments in the last 90 days at every size, the rest history (one case
 * a minute further back). Half the cases have a merchant reply; one in 200 a chargeback.
 */
export async function insightsSuite(dialect: Dialect, sizes: number[]): Promise<InsightsFigure[]> {
  const db = await freshDb(dialect, 'insights');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'insights-'));
  const out: InsightsFigure[] = [];
  const merchant = 'ins_m';
  try {
    await migrate(db.url);
    const now = Date.now();
    const customers = Array.from({ length: 100 }, (_, i) => `ins_c${i}`);
    const people = openSink(db.url);
    await seedUsers(people, [...customers, 'ins_member'], now);
    await seedMerchants(people, [{ id: merchant, members: ['ins_member'] }], now);
    const token = await seedSession(people, 'ins_member', now);
    await seedPayments(
      people,
      INSIGHTS_WINDOW_PAYMENTS,
      customers[0]!,
      merchant,
      now,
      20_000,
      (i) => now - ((i + 1) * 90 * 86_400_000) / (INSIGHTS_WINDOW_PAYMENTS + 1),
    );
    await people.close();
    const createdAt = (i: number) =>
      i < INSIGHTS_WINDOW_CASES
        ? now - ((i + 1) * 89 * 86_400_000) / INSIGHTS_WINDOW_CASES
        : now - 91 * 86_400_000 - (i - INSIGHTS_WINDOW_CASES) * 60_000;
    let have = 0;
    for (const size of sizes) {
      const t0 = Date.now();
      const sink = openSink(db.url);
      const paymentIds: string[] = [];
      await sink.withoutIndexes(['payments', 'cases', 'case_events', 'disputes'], async () => {
        await seedCases(
          sink,
          have,
          size - have,
          {
            customerOf: (i) => customers[i % customers.length]!,
            merchantOf: () => merchant,
            // History is closed; a third of the window's cases are still open.
            kindOf: (i) => (i < INSIGHTS_WINDOW_CASES && i % 3 === 0 ? 'open' : 'closed'),
            createdAt,
            paidAt: (i) => createdAt(i) - 3_600_000,
            merchantReplyAfter: (i) => (i % 2 ? null : 3_600_000 + (i % 7) * 600_000),
            paymentIds,
          },
          now,
          50_000,
        );
        await seedDisputes(
          sink,
          paymentIds.flatMap((paymentId, k) =>
            (have + k) % 200 === 0
              ? [{ paymentId, merchantId: merchant, stage: 'chargeback', status: 'open', at: createdAt(have + k) + 86_400_000 }]
              : [],
          ),
        );
      });
      await sink.close();
      await vacuumAnalyze(db.url);
      const seedSeconds = (Date.now() - t0) / 1000;
      have = size;
      const app = await createApp(loadConfig({ ...appEnv(db.url, dataDir), LOG_LEVEL: 'error' }));
      try {
        const service = new Insights(app.services.db);
        const m = { id: merchant, name: `Merchant ${merchant}` };
        const sample = await service.merchant(m, '90d', Date.now());
        if (sample.cases !== INSIGHTS_WINDOW_CASES)
          throw new Error(`expected ${INSIGHTS_WINDOW_CASES} cases in 90 days, got ${sample.cases}`);
        // The new read first: the old one reads every page of the merchant's history.
        const after = await timed(() => service.merchant(m, '90d', Date.now()));
        const http = await timed(async () => {
          const r = await app.server.inject({
            method: 'GET',
            url: `/api/v1/merchants/${merchant}/insights?window=90d`,
            headers: { authorization: `Bearer ${token}` },
          });
          if (r.statusCode !== 200) throw new Error(`insights answered ${r.statusCode}: ${r.body}`);
        });
        const before = await timed(() => insightsBefore(app.services.db, merchant, Date.now()), false);
        const fig = {
          cases: size,
          windowCases: sample.cases,
          beforeMs: before.ms,
          afterMs: after.ms,
          httpMs: http.ms,
          runs: { before: before.runs, after: after.runs, http: http.runs },
          seedSeconds,
        };
        out.push(fig);
        log(
          `  insights, ${size} cases (${sample.cases} in 90 days): before ${before.ms.toFixed(1)} ms, after ${after.ms.toFixed(1)} ms, through HTTP ${http.ms.toFixed(1)} ms (seeded in ${seedSeconds.toFixed(1)} s)`,
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
