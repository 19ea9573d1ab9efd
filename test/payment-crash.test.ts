/**
 * A payment report and what it does to the case are one transaction (SPEC §11): the
 * service process is killed with SIGKILL while the platform is reporting refunds made
 * elsewhere on payments whose cases hold an open offer. After a restart every payment
 * is either unchanged with its offer still open, or refunded with its offer lapsed:
 * never a refund recorded and the offer left standing. The platform then sends again
 * what was not acknowledged, and each case has lapsed exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { checkInvariants } from '../src/ops/invariants.js';
import { type Api, freshDatabase, makeApi } from './support/harness.js';
import { type Proc, startProcess } from './support/processes.js';
import { makeWorld } from './support/world.js';

const CASES = 24;

describe('a payment report when the service is killed', { timeout: 180_000 }, () => {
  let dir: string;
  let database: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  let serve: Proc;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-paycrash-'));
    database = await freshDatabase(dir);
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: dir,
      DEMO_SEED: '0',
      SESSION_TTL: 'P3650D',
      RATE_LIMIT_ACTIONS: '100000',
      RATE_LIMIT_OPEN_CASE: '100000',
    };
    serve = await startProcess(['serve', '--no-worker'], env);
  }, 120_000);

  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await database?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves each payment and its case both changed or both as they were', async () => {
    const w = await makeWorld(makeApi(serve.url));
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    const cases: { id: string; paymentId: string; report: Record<string, unknown> }[] = [];
    for (let i = 0; i < CASES; i++) {
      const providerPaymentId = `pi_paycrash_${i}`;
      const c = await w.openCase({ amount: 10000, providerPaymentId, paidAt: recent });
      const offered = await w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 8000, message: 'Most of it.' });
      expect(offered.status).toBe(200);
      const report = {
        customerId: 'cust',
        merchantId: 'shop',
        amount: 10000,
        currency: 'USD',
        provider: 'stripe',
        providerPaymentId,
        status: 'partially_refunded',
        refundedAmount: 3000,
        productName: 'Course',
        paidAt: recent,
      };
      cases.push({ id: c.id, paymentId: c.payment.id, report });
    }
    const send = (api: Api, c: (typeof cases)[number]) =>
      api('PUT', `/api/v1/platform/payments/${c.paymentId}`, { token: w.platform, body: c.report });

    // Four reports at a time; the process dies once a third of them were acknowledged, with others in flight.
    const api = makeApi(serve.url);
    const acknowledged = new Set<string>();
    let next = 0;
    let killed: Promise<unknown> | undefined;
    const lane = async () => {
      while (next < cases.length && !killed) {
        const c = cases[next++]!;
        try {
          const r = await send(api, c);
          if (r.status === 200) acknowledged.add(c.id);
        } catch {
          // The connection died with the process: not acknowledged.
        }
        if (acknowledged.size >= CASES / 3 && !killed) killed = serve.stop('SIGKILL');
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    await killed;
    expect(serve.child.signalCode).toBe('SIGKILL');

    serve = await startProcess(['serve', '--no-worker'], env);
    const after = makeApi(serve.url);
    const read = async (c: (typeof cases)[number]) => {
      const view = await after('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.staff });
      const pay = await after('GET', `/api/v1/platform/payments/${c.paymentId}`, { token: w.platform });
      expect(view.status).toBe(200);
      expect(pay.status).toBe(200);
      const lapsed = (view.body.timeline as { type: string }[]).filter((e) => e.type === 'offer_lapsed').length;
      return { refunded: pay.body.refundedAmount as number, status: view.body.status as string, offer: view.body.offer, lapsed };
    };

    let applied = 0;
    let untouched = 0;
    for (const c of cases) {
      const s = await read(c);
      if (s.refunded === 3000) {
        expect(s, c.id).toMatchObject({ status: 'merchant_response_needed', offer: null, lapsed: 1 });
        applied++;
      } else {
        expect(s, c.id).toMatchObject({ refunded: 0, status: 'customer_response_needed', lapsed: 0 });
        expect(s.offer).toMatchObject({ amount: 8000 });
        expect(acknowledged.has(c.id), `${c.id} was acknowledged but not stored`).toBe(false);
        untouched++;
      }
    }
    expect(applied).toBeGreaterThanOrEqual(acknowledged.size);
    expect(untouched).toBeGreaterThan(0);

    // The platform sends again everything it did not see acknowledged (and some it did): each lapses once.
    for (const c of cases) expect((await send(after, c)).status).toBe(200);
    for (const c of cases) expect(await read(c)).toMatchObject({ refunded: 3000, status: 'merchant_response_needed', lapsed: 1 });

    const direct = database.url.startsWith('postgres')
      ? new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) })
      : new Kysely<DB>({ dialect: new SqliteDialect({ database: new SQLite(database.url.replace('sqlite://', '')) }) });
    try {
      // No worker runs here, so the mails wait in the outbox; everything else must hold.
      const problems = await checkInvariants(direct, new Date());
      expect(problems.filter((p) => !/^outbox \d+ \(mails\): due and not delivered$/.test(p))).toEqual([]);
    } finally {
      await direct.destroy();
    }
    console.log(`payment crash: ${acknowledged.size} acknowledged before the kill, ${applied} stored, ${untouched} not stored`);
  });
});
