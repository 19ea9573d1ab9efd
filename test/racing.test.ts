/**
 * Racing actions (SPEC §4 "Concurrency"): the loser of a compare-and-set is planned again on
 * the case as it now is, so it lands when still allowed and is refused with its own reason
 * (`action_not_allowed`) when not; only a client that sent `expectedVersion` hears `conflict`.
 * Everything over HTTP, on SQLite and (with DATABASE_URL) PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { PNG } from './support/files.js';
import { type Answer } from './support/harness.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const get = async (id: string) => (await t.api('GET', `/api/v1/cases/${id}`, { token: w.tokens.staff })).body;
/** How many answers of each status and code, e.g. `{ '200': 3, '409 conflict': 17 }`: the failure message shows it. */
const tally = (answers: Answer[]) => {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = a.status === 200 ? '200' : `${a.status} ${a.body?.code}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};
const seqs = (c: any) => c.timeline.map((e: any) => e.seq);
const gapless = (c: any) => Array.from({ length: c.timeline.length }, (_, i) => i + 1);

async function upload(token: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'proof.png');
  const res = await fetch(`${t.url}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('racing actions', () => {
  it('twenty simultaneous replies from both sides all land, with gapless seq', async () => {
    const c = await w.openCase();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        w.act(i % 2 ? w.tokens.merchant : w.tokens.customer, c.id, { type: 'respond', message: `reply ${i}` }),
      ),
    );
    expect(tally(answers)).toEqual({ '200': 20 });
    const after = await get(c.id);
    expect(after.timeline.filter((e: any) => e.type === 'responded')).toHaveLength(20);
    expect(seqs(after)).toEqual(gapless(after));
    expect(after.version).toBe(21);
    expect(new Set(after.timeline.map((e: any) => e.message))).toEqual(
      new Set(['It never arrived in my library.', ...Array.from({ length: 20 }, (_, i) => `reply ${i}`)]),
    );
  });

  it('eight conflicting merchant transitions: one 200, seven action_not_allowed, the losers’ uploads unused', async () => {
    const c = await w.openCase();
    const files = await Promise.all(Array.from({ length: 8 }, () => upload(w.tokens.merchant)));
    const answers = await Promise.all(
      files.map((id, i) =>
        w.act(w.tokens.merchant, c.id, {
          type: i % 2 ? 'deny' : 'request_more_info',
          message: `transition ${i}`,
          attachmentIds: [id],
        }),
      ),
    );
    expect(tally(answers)).toEqual({ '200': 1, '409 action_not_allowed': 7 });
    const after = await get(c.id);
    expect(after.version).toBe(2);
    expect(after.timeline.map((e: any) => e.type)).toEqual(['created', answers.find((a) => a.status === 200)!.body.timeline[1].type]);
    // Nothing of a refused attempt is kept: each loser's upload can still be attached.
    const losers = files.filter((_, i) => answers[i]!.status !== 200);
    for (const id of losers) {
      const r = await w.act(w.tokens.merchant, c.id, { type: 'respond', message: 'Attached after all.', attachmentIds: [id] });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it('nine replies racing a withdrawal: none lands after it, every refusal is action_not_allowed', async () => {
    const c = await w.openCase();
    const replies = Array.from({ length: 9 }, (_, i) =>
      w.act(i % 2 ? w.tokens.merchant : w.tokens.customer, c.id, { type: 'respond', message: `reply ${i}` }),
    );
    const withdrawal = w.act(w.tokens.customer, c.id, { type: 'withdraw', message: 'Never mind.' });
    const [withdrew, ...answers] = await Promise.all([withdrawal, ...replies]);
    expect(withdrew.status).toBe(200);
    const landed = answers.filter((a) => a.status === 200).length;
    expect(
      answers.every((a) => a.status === 200 || (a.status === 409 && a.body.code === 'action_not_allowed')),
      JSON.stringify(tally(answers)),
    ).toBe(true);
    const after = await get(c.id);
    expect(after.status).toBe('customer_withdrew');
    expect(seqs(after)).toEqual(gapless(after));
    const types = after.timeline.map((e: any) => e.type);
    expect(types.at(-1)).toBe('withdrew');
    expect(types.filter((x: string) => x === 'responded')).toHaveLength(landed);
  });

  it('a stale expectedVersion is 409 conflict, never retried, and stores nothing', async () => {
    const c = await w.openCase();
    expect((await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'Any news?' })).status).toBe(200);
    const file = await upload(w.tokens.merchant);
    const sendStale = () =>
      t.api('POST', `/api/v1/cases/${c.id}/actions`, {
        token: w.tokens.merchant,
        headers: { 'idempotency-key': `stale-${c.id}` },
        body: { type: 'deny', message: 'Delivered.', attachmentIds: [file], expectedVersion: 1 },
      });
    const stale = await sendStale();
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('conflict');
    // Nothing was decided, so the key holds no answer: the repeat is checked afresh.
    const repeat = await sendStale();
    expect([repeat.status, repeat.body.code, repeat.headers.get('idempotent-replayed')]).toEqual([409, 'conflict', null]);
    const after = await get(c.id);
    expect(after.version).toBe(2);
    expect(after.timeline).toHaveLength(2);
    // The upload was not kept by the refused attempt; with the current version the same action lands.
    const fresh = await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'Delivered.', attachmentIds: [file], expectedVersion: 2 });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(fresh.body.timeline.at(-1).attachments.map((a: any) => a.id)).toEqual([file]);
  });

  it('simultaneous replies that all send the same expectedVersion: one lands, the rest are conflict', async () => {
    const c = await w.openCase();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        w.act(i % 2 ? w.tokens.merchant : w.tokens.customer, c.id, { type: 'respond', message: `reply ${i}`, expectedVersion: 1 }),
      ),
    );
    expect(tally(answers)).toEqual({ '200': 1, '409 conflict': 5 });
    const after = await get(c.id);
    expect(after.version).toBe(2);
    expect(seqs(after)).toEqual([1, 2]);
  });

  it('Idempotency-Key keeps each racer’s final answer, refusals included', async () => {
    const c = await w.openCase();
    const send = (i: number) =>
      t.api('POST', `/api/v1/cases/${c.id}/actions`, {
        token: w.tokens.merchant,
        headers: { 'idempotency-key': `race-${c.id}-${i}` },
        body: { type: i % 2 ? 'deny' : 'request_more_info', message: `transition ${i}` },
      });
    const first = await Promise.all(Array.from({ length: 6 }, (_, i) => send(i)));
    expect(tally(first)).toEqual({ '200': 1, '409 action_not_allowed': 5 });
    const again = await Promise.all(Array.from({ length: 6 }, (_, i) => send(i)));
    expect(again.map((a) => [a.status, a.headers.get('idempotent-replayed')])).toEqual(first.map((a) => [a.status, 'true']));
    expect(again.map((a) => a.body)).toEqual(first.map((a) => a.body));
    expect((await get(c.id)).version).toBe(2);
  });

  it('the sweeper racing replies on a case whose deadline is passing: the deadline applies, no reply lands after it', async () => {
    const c = await w.openCase();
    expect((await w.act(w.tokens.merchant, c.id, { type: 'request_more_info', message: 'Order number?' })).status).toBe(200);
    await w.advance('P6DT23H59M');
    // The merchant and staff reply while the clock passes the customer's deadline; their replies keep the status.
    const replies = Array.from({ length: 12 }, (_, i) =>
      w.act(i % 2 ? w.tokens.merchant : w.tokens.staff, c.id, { type: 'respond', message: `reply ${i}` }),
    );
    const [, ...answers] = await Promise.all([w.advance('PT2M'), ...replies]);
    expect(
      answers.every((a) => a.status === 200 || (a.status === 409 && a.body.code === 'action_not_allowed')),
      JSON.stringify(tally(answers)),
    ).toBe(true);
    const after = await get(c.id);
    expect(after.status).toBe('merchant_won');
    expect(seqs(after)).toEqual(gapless(after));
    const types = after.timeline.map((e: any) => e.type);
    expect(types.at(-1)).toBe('deadline_passed');
    expect(types.filter((x: string) => x === 'responded')).toHaveLength(answers.filter((a) => a.status === 200).length);
  });
});
