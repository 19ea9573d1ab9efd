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
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStripe } from './support/fake-providers.js';
import { type TestSmtp, startSmtp } from './support/smtp.js';
import { freshDatabase, makeApi } from './support/harness.js';
import { type Proc, startProcess, until } from './support/processes.js';
import { type World, makeWorld } from './support/world.js';

const DAY = 86_400_000;

describe('crashes', { timeout: 240_000 }, () => {
  let dir: string;
  let database: { url: string; drop: () => Promise<void> };
  let stripe: FakeStripe;
  let serve: Proc;
  let worker: Proc | undefined;
  let env: Record<string, string>;
  let direct: Kysely<DB>;
  let smtp: TestSmtp;
  let receiver: http.Server;
  let receiverUrl: string;
  /** Webhook event ids received with a valid signature (repeats allowed: at least once). */
  const webhookIds: string[] = [];
  const badSignatures: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-crash-'));
    database = await freshDatabase(dir);
    stripe = await FakeStripe.start();
    smtp = await startSmtp();
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      // A worker killed mid-request resets the connection: not the receiver's failure.
      req.on('error', () => undefined);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const [t, v1] = String(req.headers['rc-signature'])
          .split(',')
          .map((p) => p.split('=')[1]);
        const expected = crypto.createHmac('sha256', 'crash-secret-0123456789').update(`${t}.${body}`).digest('hex');
        if (v1 === expected) webhookIds.push((JSON.parse(body) as { id: string }).id);
        else badSignatures.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: dir,
      DEMO_SEED: '0',
      SESSION_TTL: 'P3650D',
      STRIPE_SECRET_KEY: FakeStripe.SECRET_KEY,
      STRIPE_API_BASE: stripe.url,
      SMTP_URL: smtp.url,
      RATE_LIMIT_ACTIONS: '100000',
      RATE_LIMIT_OPEN_CASE: '100000',
    };
    serve = await startProcess(['serve', '--no-worker'], env);
    direct = database.url.startsWith('postgres')
      ? new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) })
      : new Kysely<DB>({ dialect: new SqliteDialect({ database: new SQLite(database.url.replace('sqlite://', '')) }) });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([serve.stop('SIGKILL'), worker?.stop('SIGKILL')]);
    await direct.destroy();
    await stripe.close();
    await smtp.close();
    await new Promise<void>((r) => receiver.close(() => r()));
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('200 mixed actions survive a worker killed at random moments', async () => {
    const api = makeApi(serve.url);
    const w: World = await makeWorld(api);
    const recent = { paidAt: new Date(Date.now() - DAY).toISOString() };
    const hook = await api('PUT', '/api/v1/platform/webhook-endpoints/crash', {
      token: w.platform,
      body: {
        url: receiverUrl,
        secret: 'crash-secret-0123456789',
        events: ['case.created', 'case.updated', 'case.decided', 'case.closed'],
        enabled: true,
      },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBeLessThan(300);

    worker = await startProcess(['worker'], env);
    let kills = 0;
    let stop = false;
    const killer = (async () => {
      // Keep killing until the actions are done and the worker has died at least ten times.
      while (!stop || kills < 10) {
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
        const { pid } = worker.child;
        await worker.stop('SIGKILL');
        // The worker itself died of the signal (not a wrapper around it) and is gone.
        expect(worker.child.signalCode).toBe('SIGKILL');
        expect(() => process.kill(pid ?? 0, 0)).toThrow();
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
    expect(kills).toBeGreaterThanOrEqual(10);
    // What the killed workers got done before the last one started (so the kills hit live work).
    const doneByKilled = await direct.selectFrom('outbox').select('id').where('status', '=', 'done').execute();

    // A last worker finishes the work; the leases of rows a killed worker held expire first.
    await advance(2 * 60_000);
    await until(
      () =>
        direct
          .selectFrom('outbox')
          .select('id')
          .where('status', '=', 'pending')
          .where('kind', 'in', ['email', 'webhook', 'remedy'])
          .execute(),
      (pending) => pending.length === 0,
      'outbox drained',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nlast worker said: ${worker?.output()}`);
    });
    const now = new Date((await api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
    expect(await checkInvariants(direct, now)).toEqual([]);
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

    // Every mail and every webhook arrived at least once: none lost to a kill.
    const rows = await direct
      .selectFrom('outbox')
      .select(['kind', 'status', 'payload', 'last_error'])
      .where('kind', 'in', ['email', 'webhook'])
      .execute();
    expect(rows.filter((r) => r.status !== 'done').map((r) => `${r.kind} ${r.status} ${r.last_error}`)).toEqual([]);
    const wantedMail = new Set(
      rows.filter((r) => r.kind === 'email').map((r) => (JSON.parse(r.payload) as { messageId: string }).messageId),
    );
    const gotMail = new Set(smtp.mails.map((m) => m.messageId));
    expect([...wantedMail].filter((id) => !gotMail.has(id))).toEqual([]);
    const wantedHooks = new Set(
      rows.filter((r) => r.kind === 'webhook').map((r) => (JSON.parse(r.payload) as { eventId: string }).eventId),
    );
    expect([...wantedHooks].filter((id) => !webhookIds.includes(id))).toEqual([]);
    expect(badSignatures).toEqual([]);
    expect(wantedMail.size).toBeGreaterThan(200);
    expect(wantedHooks.size).toBeGreaterThan(100);
    console.log(
      `crash test: ${actions} actions, ${kills} worker kills (${doneByKilled.length} rows done before the last worker), ${stripe.refunds.length} refunds (${stripe.calls.length} provider calls), ` +
        `${wantedMail.size} mails (${smtp.mails.length} deliveries), ${wantedHooks.size} webhooks (${webhookIds.length} deliveries)`,
    );
  });
});
