/**
 * At least once (SPEC §8): an SMTP server that is down for a while loses no
 * mail; a worker killed with SIGKILL mid-batch and restarted loses none (the
 * mail it was sending may arrive twice, with the same Message-ID); two workers
 * on one PostgreSQL database never send the same row twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Clock } from '../src/clock.js';
import { openDatabase } from '../src/db/database.js';
import { mailsHandler } from '../src/notifications/listener.js';
import { emailHandler } from '../src/notifications/mail.js';
import { OutboxWorker, enqueue } from '../src/outbox/outbox.js';
import { postgresUrl } from './support/harness.js';
import { useWorld } from './support/world.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Real time, so a worker in another process (whose clock is the wall clock plus the
// shared offset) agrees with this one; the filing window covers the harness's payment dates.
const { t, w, smtp } = useWorld({ smtp: true, realTime: true, env: { FILING_WINDOW: 'P3650D' } });

const emailRows = (caseIds: string[]) =>
  t.app.services.db
    .selectFrom('outbox')
    .select(['idempotency_key', 'status', 'attempts'])
    .where('kind', '=', 'email')
    .where('case_id', 'in', caseIds)
    .execute();

describe('delivery', () => {
  it('delivers every mail once the SMTP server is back', async () => {
    await smtp.down();
    const ids = [(await w.openCase()).id, (await w.openCase()).id];
    await w.advance('PT0S');
    await w.advance('PT15S');
    expect((await emailRows(ids)).map((r) => [r.status, r.attempts])).toEqual(Array(6).fill(['pending', 2]));
    await smtp.up();
    const before = smtp.mails.length;
    await w.advance('PT1M');
    expect((await emailRows(ids)).map((r) => [r.status, r.attempts])).toEqual(Array(6).fill(['done', 3]));
    const arrived = smtp.mails.slice(before);
    expect(arrived).toHaveLength(6);
    expect(new Set(arrived.map((m) => m.messageId)).size).toBe(6);
  });

  it('loses no mail when a worker is killed with SIGKILL mid-batch and restarted', { timeout: 90_000 }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await w.openCase()).id);
    // Each opening wrote one row for its mails; the worker writes the 12 mails from them.
    const changes = await t.app.services.db
      .selectFrom('outbox')
      .select('status')
      .where('kind', '=', 'mails')
      .where('case_id', 'in', ids)
      .execute();
    expect(changes.map((r) => r.status)).toEqual(Array(4).fill('pending'));
    expect(await emailRows(ids)).toHaveLength(0);
    const start = smtp.mails.length;
    const worker = () => {
      // `npx tsx src/main.ts worker` without the wrappers: one process, so its exit is the worker's.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          DATABASE_URL: t.config.databaseUrl,
          DATA_DIR: t.dir,
          SMTP_URL: smtp.url,
          PUBLIC_URL: t.config.publicUrl,
          FILING_WINDOW: 'P3650D',
          DEV_CLOCK: '1',
          DEMO_SEED: '0',
          LOG_LEVEL: 'error',
        },
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      return { child, stderr: () => stderr };
    };
    const kill = async (child: ChildProcess, signal: NodeJS.Signals) => {
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
      child.kill(signal);
      await exited;
    };

    // The fifth mail reaches the server and is held unanswered: the worker has sent it but not recorded it.
    const held = smtp.holdAt(start + 5);
    const first = worker();
    await held;
    await kill(first.child, 'SIGKILL');
    smtp.release();
    const rows = await emailRows(ids);
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(4);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(8);

    // The killed worker's lease runs out (moved on by the shared clock), then a new worker takes over.
    await t.app.services.clock.advance(2 * 60_000);
    const second = worker();
    try {
      await smtp.waitFor(start + 13);
    } finally {
      await kill(second.child, 'SIGTERM');
    }
    expect(
      (await emailRows(ids)).every((r) => r.status === 'done'),
      second.stderr(),
    ).toBe(true);
    const arrived = smtp.mails.slice(start);
    const byId = new Map<string, number>();
    for (const m of arrived) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
    expect(byId.size).toBe(12);
    // Exactly the mail in flight at the kill came twice, with one Message-ID a receiver can de-duplicate on.
    expect([...byId.values()].sort()).toEqual([...Array(11).fill(1), 2]);
    expect(byId.get(arrived[4]?.messageId ?? '')).toBe(2);
  });

  it('writes the mails of a change once, even when its row runs again after a lost lease', async () => {
    const { db, clock, config, database } = t.app.services;
    const c = await w.openCase();
    const mails = mailsHandler(db, config, clock);
    const worker = new OutboxWorker(db, database.dialect, clock, { mails }, pino({ level: 'silent' }));
    const [stale] = await worker.claim(1);
    expect(stale?.kind).toBe('mails');
    // The first holder stalls past its lease; a second claims the row and writes the mails.
    await clock.advance(2 * 60_000);
    const [fresh] = await worker.claim(1);
    expect(fresh?.id).toBe(stale?.id);
    await mails.handle(fresh!);
    await mails.handle(fresh!);
    // The first holder wakes up: its lease is gone, it writes nothing.
    await mails.handle(stale!);
    const rows = await emailRows([c.id]);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(3);
    const change = await db.selectFrom('outbox').select('status').where('id', '=', fresh!.id).executeTakeFirstOrThrow();
    expect(change.status).toBe('done');
    await w.advance('PT0S');
  });

  it('leaves the rest of a batch that would outlive its lease for the next claim', async () => {
    const { db, clock, database } = t.app.services;
    const handled: string[] = [];
    // Each row takes 50 s of the (shared, movable) clock: a batch of three would outlive its 60 s lease.
    const slow = {
      async handle(row: { idempotency_key: string }) {
        handled.push(row.idempotency_key);
        await clock.advance(50_000);
      },
    };
    const worker = new OutboxWorker(db, database.dialect, clock, { slow }, pino({ level: 'silent' }));
    await enqueue(
      db,
      clock.now(),
      ['s1', 's2', 's3'].map((k) => ({ kind: 'slow', idempotencyKey: k, payload: {} })),
    );
    expect(await worker.runBatch(10)).toBe(3);
    expect(handled).toHaveLength(1);
    // The unstarted rows stay leased until the lease ends, then are claimed again.
    expect(await worker.runBatch(10)).toBe(0);
    for (let i = 0; i < 3 && handled.length < 3; i++) {
      await clock.advance(11_000);
      await worker.runBatch(10);
    }
    expect([...handled].sort()).toEqual(['s1', 's2', 's3']);
    const rows = await db.selectFrom('outbox').select('status').where('kind', '=', 'slow').execute();
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done']);
  });

  it.skipIf(!postgresUrl())('two workers on PostgreSQL never send the same row twice', async () => {
    const { db, clock, config } = t.app.services;
    const other = openDatabase(t.config.databaseUrl);
    try {
      const otherClock = new Clock(other.db, true, () => Date.now());
      await otherClock.sync();
      const log = pino({ level: 'silent' });
      const a = new OutboxWorker(db, 'postgres', clock, { email: emailHandler(db, config, clock) }, log);
      const b = new OutboxWorker(other.db, 'postgres', otherClock, { email: emailHandler(other.db, config, otherClock) }, log);
      const N = 60;
      await enqueue(
        db,
        clock.now(),
        Array.from({ length: N }, (_, i) => ({
          kind: 'email',
          idempotencyKey: `race-${i}`,
          payload: {
            to: { name: 'Race', address: `race${i}@test.example` },
            subject: `Race ${i}`,
            text: 'text',
            html: '<p>html</p>',
            caseId: 'case_none',
            messageId: `<race-${i}@rc.test>`,
          },
        })),
      );
      const start = smtp.mails.length;
      const drain = async (worker: OutboxWorker) => {
        let handled = 0;
        for (;;) {
          const n = await worker.runBatch(4);
          if (n === 0) return handled;
          handled += n;
        }
      };
      const [byA, byB] = await Promise.all([drain(a), drain(b)]);
      expect(byA + byB).toBe(N);
      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);
      const ids = smtp.mails.slice(start).map((m) => m.messageId);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
    } finally {
      await other.close();
    }
  });
});
