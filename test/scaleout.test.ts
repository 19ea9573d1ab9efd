/**
 * Several instances on one PostgreSQL database (SPEC §10 "Scale-out"): two HTTP
 * processes and two workers, all real processes. PostgreSQL only: SQLite is the
 * single-node default.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, freshDatabase, makeApi, postgresUrl } from './support/harness.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStripe } from './support/fake-providers.js';
import { type Proc, startProcess, until } from './support/processes.js';
import { type TestSmtp, startSmtp } from './support/smtp.js';
import { type World, makeWorld } from './support/world.js';

const DAY = 86_400_000;

describe.skipIf(!postgresUrl())('several instances on one PostgreSQL', { timeout: 180_000 }, () => {
  let dir: string;
  let db: { url: string; drop: () => Promise<void> };
  const procs: Proc[] = [];
  let a: Api;
  let b: Api;
  let wa: World;
  let stripe: FakeStripe;
  let smtp: TestSmtp;
  let receiver: http.Server;
  const hookIds: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-scale-'));
    db = await freshDatabase(dir);
    stripe = await FakeStripe.start();
    smtp = await startSmtp();
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hookIds.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const env = {
      DATABASE_URL: db.url,
      DATA_DIR: dir,
      DEMO_SEED: '0',
      SESSION_TTL: 'P3650D',
      SMTP_URL: smtp.url,
      STRIPE_SECRET_KEY: FakeStripe.SECRET_KEY,
      STRIPE_API_BASE: stripe.url,
    };
    const [sa, sb] = [await startProcess(['serve', '--no-worker'], env), await startProcess(['serve', '--no-worker'], env)];
    procs.push(sa, sb);
    procs.push(...(await Promise.all([startProcess(['worker'], env), startProcess(['worker'], env)])));
    a = makeApi(sa.url);
    b = makeApi(sb.url);
    wa = await makeWorld(a);
    await a('PUT', '/api/v1/platform/webhook-endpoints/scale', {
      token: wa.platform,
      body: {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        secret: 'scale-secret-0123456789',
        events: ['case.created', 'case.updated', 'case.decided', 'case.closed'],
        enabled: true,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await stripe.close();
    await smtp.close();
    await new Promise<void>((r) => receiver.close(() => r()));
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Waits until the workers have nothing due. Moving the clock expires every lease at once, so a
   * row still being sent would be claimed again: the at-least-once path the crash test covers,
   * not the normal path this file counts.
   */
  const idle = async () => {
    const direct = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) }) });
    try {
      await until(
        () => direct.selectFrom('outbox').select('id').where('status', '=', 'pending').where('kind', '!=', 'reminder').execute(),
        (rows) => rows.length === 0,
        'outbox idle',
      );
    } finally {
      await direct.destroy();
    }
  };

  const recent = () => ({ paidAt: new Date(Date.now() - DAY).toISOString() });

  it('a session and a case made on one instance are seen on the other', async () => {
    const c = await wa.openCase(recent());
    const seen = await b('GET', `/api/v1/cases/${c.id}`, { token: wa.tokens.merchant });
    expect(seen.status).toBe(200);
    expect(seen.body.id).toBe(c.id);
    const acted = await b('POST', `/api/v1/cases/${c.id}/actions`, {
      token: wa.tokens.merchant,
      body: { type: 'deny', message: 'From B.' },
    });
    expect(acted.body.status).toBe('customer_response_needed');
    expect((await a('GET', `/api/v1/cases/${c.id}`, { token: wa.tokens.customer })).body.version).toBe(2);
  });

  it('20 simultaneous openings of one payment spread over both: exactly one case', async () => {
    const paymentId = await wa.payment(recent());
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b)('POST', '/api/v1/cases', {
          token: wa.tokens.customer,
          body: { paymentId, issueType: 'other', description: 'Racing across instances.' },
        }),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409 && r.body.code === 'case_already_exists')).toHaveLength(19);
  });

  it('racing actions spread over both: every reply lands, conflicting transitions have one winner', async () => {
    const c = await wa.openCase(recent());
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b)('POST', `/api/v1/cases/${c.id}/actions`, {
          token: i % 4 < 2 ? wa.tokens.customer : wa.tokens.merchant,
          body: { type: 'respond', message: `reply ${i}` },
        }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const transitions = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b)('POST', `/api/v1/cases/${c.id}/actions`, {
          token: wa.tokens.merchant,
          body: { type: i % 4 < 2 ? 'deny' : 'request_more_info', message: `transition ${i}` },
        }),
      ),
    );
    expect(transitions.filter((r) => r.status === 200)).toHaveLength(1);
    expect(transitions.filter((r) => r.status === 409 && r.body.code === 'action_not_allowed')).toHaveLength(7);
    const after = (await b('GET', `/api/v1/cases/${c.id}`, { token: wa.tokens.staff })).body;
    expect(after.version).toBe(22);
    expect(after.timeline.map((e: any) => e.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('a logout on one instance is refused on the other within the same second', async () => {
    const login = await a('POST', '/api/v1/session', { body: { email: 'cust2@test.example', password: 'correct horse battery' } });
    const token = login.body.token as string;
    // Used twice on b, so b keeps it in memory.
    expect((await b('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await b('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await a('DELETE', '/api/v1/session', { token })).status).toBe(204);
    const start = performance.now();
    let status = 200;
    // A bounded number of polls, no sleeping: b hears of the logout when it commits.
    for (let i = 0; i < 1000 && status !== 401; i++) status = (await b('GET', '/api/v1/me', { token })).status;
    expect(status).toBe(401);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('the movable clock is shared', async () => {
    await idle();
    const before = Date.parse((await b('GET', '/api/v1/platform/dev/clock', { token: wa.platform })).body.now);
    await a('POST', '/api/v1/platform/dev/clock', { token: wa.platform, body: { advance: 'P1D' } });
    const after = Date.parse((await b('GET', '/api/v1/platform/dev/clock', { token: wa.platform })).body.now);
    expect(after - before).toBeGreaterThanOrEqual(DAY);
    expect(after - before).toBeLessThan(DAY + 60_000);
  });

  it('two racing workers apply each deadline once and send each mail, webhook and refund once', async () => {
    const due: string[] = [];
    for (let i = 0; i < 12; i++) due.push((await wa.openCase(recent())).id);
    const refunded: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await wa.openCase(recent());
      await wa.act(wa.tokens.merchant, c.id, { type: 'accept' });
      refunded.push(c.id);
    }
    // Move every instance's clock past the deadlines without running anything here: the two workers race.
    const direct = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) }) });
    await idle();
    await sql`update clock set offset_ms = offset_ms + ${8 * DAY} where id = 1`.execute(direct);
    for (const id of due) {
      const c = await until(
        () => b('GET', `/api/v1/cases/${id}`, { token: wa.tokens.staff }),
        (r) => r.body.status === 'under_platform_review',
        `escalation of ${id}`,
      );
      expect(c.body.timeline.filter((e: any) => e.type === 'escalated')).toHaveLength(1);
    }
    for (const id of refunded) {
      const c = await until(
        () => a('GET', `/api/v1/cases/${id}`, { token: wa.tokens.staff }),
        (r) => r.body.outcome?.execution === 'succeeded',
        `refund of ${id}`,
      );
      expect(c.body.timeline.filter((e: any) => e.type === 'refund_succeeded')).toHaveLength(1);
      expect(c.body.payment.refundedAmount).toBe(10000);
    }
    // Counted where they arrive: the provider, the SMTP server, the webhook receiver.
    expect(stripe.calls).toHaveLength(refunded.length);
    expect(stripe.refunds).toHaveLength(refunded.length);
    try {
      await until(
        () => direct.selectFrom('outbox').select('id').where('status', '!=', 'done').where('kind', 'in', ['email', 'webhook']).execute(),
        (rows) => rows.length === 0,
        'mail and webhooks delivered',
      );
      const rows = await direct.selectFrom('outbox').select(['kind', 'payload']).where('kind', 'in', ['email', 'webhook']).execute();
      const mails = rows.filter((r) => r.kind === 'email');
      const hooks = rows.filter((r) => r.kind === 'webhook');
      const seen = new Map<string, number>();
      for (const m of smtp.mails) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
      const twice = smtp.mails.filter((m) => (seen.get(m.messageId) ?? 0) > 1).map((m) => `${m.messageId} ${m.subject}`);
      expect(twice).toEqual([]);
      expect(smtp.mails.length).toBe(mails.length);
      expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(mails.length);
      expect(hookIds.length).toBe(hooks.length);
      expect(new Set(hookIds).size).toBe(hooks.length);
      expect(mails.length).toBeGreaterThan(50);
    } finally {
      await direct.destroy();
    }
  });
});
