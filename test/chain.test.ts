/**
 * The tamper-evident timeline (SPEC §13): every event's hash, recomputed here from the case
 * view with this file's own reading of the SPEC's formula; `check` finds a changed row; the
 * migration chains events stored before it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, migrateToLatest } from '../src/db/database.js';
import { migrationProvider } from '../src/db/migrations.js';
import { checkInvariants } from '../src/ops/invariants.js';
import { PNG } from './support/files.js';
import { freshDatabase } from './support/harness.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const sha = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

/** SPEC §13's canonical form: keys sorted at every level, no whitespace. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

interface Shown {
  id: string;
  seq: number;
  type: string;
  actor: { kind: string; id: string | null; name: string };
  message: string | null;
  attachments: unknown[];
  data: Record<string, unknown>;
  visibility: string;
  createdAt: string;
  hash: string;
}

function expectedHashes(caseId: string, events: Shown[]): string[] {
  let previous = sha(caseId);
  return events.map((e) => {
    const { id, seq, type, actor, message, attachments, data, visibility, createdAt } = e;
    const body = { id, caseId, seq, type, actor: { kind: actor.kind, id: actor.id }, message, attachments, data, visibility, createdAt };
    previous = sha(previous + canonical(body));
    return previous;
  });
}

async function upload(token: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'screenshot.png');
  const res = await fetch(`${t.url}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const check = () => checkInvariants(t.app.services.db, t.app.services.clock.now());

describe('the hash chain', () => {
  it('gives every event the SPEC’s chained hash: people, staff notes, the sweeper and the remedy worker alike', async () => {
    const paymentId = await w.payment();
    const opened = await t.api('POST', '/api/v1/cases', {
      token: w.tokens.customer,
      body: {
        paymentId,
        issueType: 'item_not_received',
        description: 'Never got access — «café» ✓',
        attachmentIds: [await upload(w.tokens.customer)],
      },
    });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    expect((await w.act(w.tokens.merchant, id, { type: 'respond', message: 'Looking into it.' })).status).toBe(200);
    // The sweeper escalates the silent merchant's case; staff note, decide; the appeal window closes; the worker refunds.
    await w.advance('P8D');
    expect((await w.act(w.tokens.staff, id, { type: 'note', message: 'Logs show no download.' })).status).toBe(200);
    expect((await w.act(w.tokens.staff, id, { type: 'decide', outcome: 'refund', message: 'No access was given.' })).status).toBe(200);
    await w.advance('P8D');

    const staffView = await t.api('GET', `/api/v1/cases/${id}`, { token: w.tokens.staff });
    const events = staffView.body.timeline as Shown[];
    const kinds = new Set(events.map((e) => e.actor.kind));
    expect([...kinds].sort()).toEqual(['customer', 'merchant', 'staff', 'system']);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['created', 'escalated', 'note', 'decided', 'finalized', 'refund_succeeded']),
    );
    expect(events.map((e) => e.hash)).toEqual(expectedHashes(id, events));
    for (const e of events) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);

    // A party sees the public events with the same hashes.
    const customerView = await t.api('GET', `/api/v1/cases/${id}`, { token: w.tokens.customer });
    const byId = new Map(events.map((e) => [e.id, e.hash]));
    for (const e of customerView.body.timeline as Shown[]) expect(e.hash).toBe(byId.get(e.id));
    expect(await check()).toEqual([]);
  });

  it('lets check find a changed event, but not a reformatted one or an erased name', async () => {
    const a = await w.openCase();
    const b = await w.openCase();
    const c = await w.openCase();
    for (const k of [a, b, c]) expect((await w.act(w.tokens.merchant, k.id, { type: 'respond', message: 'Checking.' })).status).toBe(200);
    await w.advance('PT1M');
    expect(await check()).toEqual([]);
    const db = t.app.services.db;

    // Whitespace in the stored JSON and the actor's name are outside the chain (erasure must not break it).
    const stored = await db
      .selectFrom('case_events')
      .select('data')
      .where('case_id', '=', c.id)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('case_events')
      .set({ data: JSON.stringify(JSON.parse(stored.data), null, 2), actor_name: 'Deleted user' })
      .where('case_id', '=', c.id)
      .where('seq', '=', 1)
      .execute();
    expect(await check()).toEqual([]);

    await db.updateTable('case_events').set({ message: 'I never said that.' }).where('case_id', '=', a.id).where('seq', '=', 2).execute();
    await db
      .updateTable('case_events')
      .set({ created_at: '2020-01-01T00:00:00.000Z' })
      .where('case_id', '=', b.id)
      .where('seq', '=', 1)
      .execute();
    const problems = await check();
    expect(problems.sort()).toEqual(
      [
        `case ${a.id}: event seq 2 does not match its hash (the timeline chain is broken there)`,
        `case ${b.id}: event seq 1 does not match its hash (the timeline chain is broken there)`,
      ].sort(),
    );
  });
});

describe('the migration', () => {
  it('chains the events stored before it, as the write path would have', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-chain-'));
    const database = await freshDatabase(dir);
    const { db, close } = openDatabase(database.url);
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      const before = await migrator.migrateTo('005_payment_truth');
      expect(before.error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await db
        .insertInto('users')
        .values({
          id: 'u1',
          email: 'u1@x.example',
          name: 'U',
          password_hash: null,
          is_staff: 0,
          time_zone: 'UTC',
          created_at: at,
          updated_at: at,
        })
        .execute();
      await db
        .insertInto('merchants')
        .values({ id: 'm1', name: 'M', support_email: 'm@x.example', created_at: at, updated_at: at })
        .execute();
      const caseIds = ['case_a', 'case_b'];
      for (const [i, caseId] of caseIds.entries()) {
        await db
          .insertInto('payments')
          .values({
            id: `p${i}`,
            customer_id: 'u1',
            merchant_id: 'm1',
            amount: 100,
            currency: 'USD',
            provider: 'stripe',
            provider_payment_id: `pi_${i}`,
            status: 'succeeded',
            refunded_amount: 0,
            product_name: 'P',
            paid_at: at,
            created_at: at,
            updated_at: at,
          })
          .execute();
        await db
          .insertInto('cases')
          .values({
            id: caseId,
            payment_id: `p${i}`,
            customer_id: 'u1',
            merchant_id: 'm1',
            issue_type: 'other',
            description: 'Old case',
            status: 'merchant_response_needed',
            due_at: null,
            appeal_deadline: null,
            final: 0,
            review_since: null,
            remedy_failed: 0,
            state: '{}',
            version: 1,
            created_at: at,
            updated_at: at,
          })
          .execute();
      }
      // Events as the old write path stored them (no hash column yet), more than one batch of them.
      const rows = caseIds.flatMap((caseId) =>
        Array.from({ length: 260 }, (_, s) => ({
          id: `evt_${caseId}_${s + 1}`,
          case_id: caseId,
          seq: s + 1,
          type: s === 0 ? 'created' : 'responded',
          actor_kind: 'customer',
          actor_id: 'u1',
          actor_name: 'U',
          message: s === 0 ? 'Old case' : `reply ${s}`,
          attachments:
            s === 1 ? JSON.stringify([{ id: 'upl_1', filename: 'a.png', contentType: 'image/png', size: 3, sha256: 'ab' }]) : '[]',
          data: s === 0 ? JSON.stringify({ status: 'merchant_response_needed', dueAt: at }) : '{}',
          visibility: 'public',
          created_at: at,
        })),
      );
      // The typed schema has the hash column now; the rows of before did not.
      const untyped = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      for (let i = 0; i < rows.length; i += 100)
        await untyped
          .insertInto('case_events')
          .values(rows.slice(i, i + 100))
          .execute();

      await migrateToLatest(db);
      for (const caseId of caseIds) {
        const stored = await db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('seq').execute();
        const shown: Shown[] = stored.map((r) => ({
          id: r.id,
          seq: r.seq,
          type: r.type,
          actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
          message: r.message,
          attachments: JSON.parse(r.attachments) as unknown[],
          data: JSON.parse(r.data) as Record<string, unknown>,
          visibility: r.visibility,
          createdAt: r.created_at,
          hash: r.hash,
        }));
        expect(shown.map((e) => e.hash)).toEqual(expectedHashes(caseId, shown));
      }
    } finally {
      await close();
      await database.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
