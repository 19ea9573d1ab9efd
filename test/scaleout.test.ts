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
import { type Proc, startProcess, until } from './support/processes.js';
import { type World, makeWorld } from './support/world.js';

const DAY = 86_400_000;

describe.skipIf(!postgresUrl())('several instances on one PostgreSQL', { timeout: 180_000 }, () => {
  let dir: string;
  let db: { url: string; drop: () => Promise<void> };
  const procs: Proc[] = [];
  let a: Api;
  let b: Api;
  let wa: World;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-scale-'));
    db = await freshDatabase(dir);
    const env = { DATABASE_URL: db.url, DATA_DIR: dir, DEMO_SEED: '0', SESSION_TTL: 'P3650D' };
    const [sa, sb] = [await startProcess(['serve', '--no-worker'], env), await startProcess(['serve', '--no-worker'], env)];
    procs.push(sa, sb);
    procs.push(...(await Promise.all([startProcess(['worker'], env), startProcess(['worker'], env)])));
    a = makeApi(sa.url);
    b = makeApi(sb.url);
    wa = await makeWorld(a);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

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

  it('the movable clock is shared', async () => {
    const before = Date.parse((await b('GET', '/api/v1/platform/dev/clock', { token: wa.platform })).body.now);
    await a('POST', '/api/v1/platform/dev/clock', { token: wa.platform, body: { advance: 'P1D' } });
    const after = Date.parse((await b('GET', '/api/v1/platform/dev/clock', { token: wa.platform })).body.now);
    expect(after - before).toBeGreaterThanOrEqual(DAY);
    expect(after - before).toBeLessThan(DAY + 60_000);
  });

  it('two racing workers apply each deadline once and execute each refund once', async () => {
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
    await sql`update clock set offset_ms = offset_ms + ${8 * DAY} where id = 1`.execute(direct);
    await direct.destroy();
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
  });
});
