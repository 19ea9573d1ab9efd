/**
 * Crashes at the worst moment: 200 mixed actions through a real HTTP process
 * while the worker process is killed with SIGKILL at random moments and
 * restarted. Afterwards the invariant checker, reading the database, finds
 * nothing wrong; every outbox row is delivered or dead with a reason; the
 * provider saw each refund once, under one key per case.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { checkInvariants } from '../src/ops/invariants.js';
import { FakeStripe } from './support/fake-providers.js';
import { freshDatabase, makeApi } from './support/harness.js';
import { type Proc, startProcess, until } from './support/processes.js';
import { type World, makeWorld } from './support/world.js';

const DAY = 86_400_000;

describe('crashes', { timeout: 240_000 }, () => {
  let dir: string;
  let database: { url: string; drop: () => Promise<void> };
  let stripe: FakeStripe;
  let serve: Proc;
  let env: Record<string, string>;
  let direct: Kysely<DB>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-crash-'));
    database = await freshDatabase(dir);
    stripe = await FakeStripe.start();
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: dir,
      DEMO_SEED: '0',
      SESSION_TTL: 'P3650D',
      STRIPE_SECRET_KEY: FakeStripe.SECRET_KEY,
      STRIPE_API_BASE: stripe.url,
      RATE_LIMIT_ACTIONS: '100000',
      RATE_LIMIT_OPEN_CASE: '100000',
    };
    serve = await startProcess(['serve', '--no-worker'], env);
    direct = database.url.startsWith('postgres')
      ? new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) })
      : new Kysely<DB>({ dialect: new SqliteDialect({ database: new SQLite(database.url.replace('sqlite://', '')) }) });
  }, 120_000);

  afterAll(async () => {
    await serve.stop('SIGKILL');
    await direct.destroy();
    await stripe.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('200 mixed actions survive a worker killed at random moments', async () => {
    const api = makeApi(serve.url);
    const w: World = await makeWorld(api);
    const recent = { paidAt: new Date(Date.now() - DAY).toISOString() };

    let worker = await startProcess(['worker'], env);
    let kills = 0;
    let stop = false;
    const killer = (async () => {
      // Keep killing until the actions are done and the worker has died at least five times.
      while (!stop || kills < 5) {
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
        await worker.stop('SIGKILL');
        kills++;
        worker = await startProcess(['worker'], env);
      }
    })();

    // Moves every instance's clock without running anything in the HTTP process: only the worker applies what is due.
    const advance = async (ms: number) => {
      await sql`update clock set offset_ms = offset_ms + ${ms} where id = 1`.execute(direct);
    };

    let actions = 0;
    const open: string[] = [];
    const act = async (token: string, id: string, body: Record<string, unknown>) => {
      actions++;
      return w.act(token, id, body);
    };
    let round = 0;
    while (actions < 200) {
      round++;
      const c = await w.openCase(recent);
      actions++;
      open.push(c.id);
      switch (round % 6) {
        case 0:
          await act(w.tokens.merchant, c.id, { type: 'accept', message: 'Refunding.' });
          break;
        case 1:
          await act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 2500, message: 'Part?' });
          await act(w.tokens.customer, c.id, { type: 'accept_offer' });
          break;
        case 2:
          await act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.' });
          await act(w.tokens.customer, c.id, { type: 'escalate', message: 'Please review.' });
          await act(w.tokens.staff, c.id, { type: 'decide', outcome: round % 4 ? 'refund' : 'credit', message: 'Decided.' });
          break;
        case 3:
          await act(w.tokens.customer, c.id, { type: 'respond', message: 'Any news?' });
          await act(w.tokens.merchant, c.id, { type: 'request_more_info', message: 'Order number?' });
          await act(w.tokens.customer, c.id, { type: 'respond', message: 'It is 42.' });
          break;
        case 4:
          await act(w.tokens.customer, c.id, { type: 'withdraw' });
          break;
        default:
          // Left silent: its deadline passes below.
          break;
      }
      if (round % 10 === 0) await advance(8 * DAY);
    }
    await advance(8 * DAY);
    stop = true;
    await killer;
    expect(kills).toBeGreaterThanOrEqual(5);

    // A last worker finishes the work; the leases of rows a killed worker held expire first.
    await advance(2 * 60_000);
    const nowOf = async () => {
      const r = await api('GET', '/api/v1/platform/dev/clock', { token: w.platform });
      return new Date(r.body.now);
    };
    const settled = await until(
      async () => checkInvariants(direct, await nowOf()),
      (problems) => problems.length === 0,
      'invariants after the crashes',
    );
    expect(settled).toEqual([]);
    await worker.stop('SIGKILL');

    // The provider saw each refund once, each case under one key.
    const keys = new Set(stripe.refunds.map((r) => r.key));
    expect(keys.size).toBe(stripe.refunds.length);
    const callsByKey = new Map<string, Set<string>>();
    for (const call of stripe.calls) {
      const key = String(call.headers['idempotency-key']);
      const target = String(call.body.payment_intent ?? call.body.charge);
      callsByKey.set(target, (callsByKey.get(target) ?? new Set()).add(key));
    }
    for (const [target, k] of callsByKey) expect(k.size, target).toBe(1);
    const succeeded = await direct.selectFrom('case_events').select('case_id').where('type', '=', 'refund_succeeded').execute();
    expect(succeeded.length).toBe(stripe.refunds.length);
    expect(stripe.problems).toEqual([]);
    console.log(
      `crash test: ${actions} actions, ${kills} worker kills, ${stripe.refunds.length} refunds, ${stripe.calls.length} provider calls`,
    );
  });
});
