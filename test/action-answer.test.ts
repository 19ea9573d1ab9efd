/**
 * `POST /cases/{id}/actions?timelineAfter=<seq>` (issue 20): the answer carries only the
 * events after the caller's last one, so it does not grow with the case's history; the
 * rest of the case is the same as a read's.
 */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const reply = (token: string, caseId: string, query = '') =>
  t.api('POST', `/api/v1/cases/${caseId}/actions${query}`, { token, body: { type: 'respond', message: 'More detail.' } });

describe('an action’s answer after a seq', () => {
  it('holds only the new events, and otherwise the case as a read shows it', async () => {
    const c = await w.openCase();
    for (let i = 0; i < 30; i++) expect((await reply(w.tokens.customer, c.id)).status).toBe(200);
    const full = await reply(w.tokens.customer, c.id);
    expect(full.body.timeline).toHaveLength(32);

    const short = await reply(w.tokens.customer, c.id, '?timelineAfter=32');
    expect(short.status).toBe(200);
    expect(short.body.timeline.map((e: { seq: number }) => e.seq)).toEqual([33]);
    const read = await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer });
    expect({ ...short.body, timeline: undefined }).toEqual({ ...read.body, timeline: undefined });
    expect(read.body.timeline.slice(32)).toEqual(short.body.timeline);

    // Older than the page's last event (someone else acted meanwhile): every event after it.
    const behind = await reply(w.tokens.customer, c.id, '?timelineAfter=30');
    expect(behind.body.timeline.map((e: { seq: number }) => e.seq)).toEqual([31, 32, 33, 34]);
    // At or past the last seq: none.
    const ahead = await reply(w.tokens.customer, c.id, '?timelineAfter=999');
    expect(ahead.body.timeline).toEqual([]);
  });

  it('shows a party no staff note', async () => {
    const c = await w.openCase();
    const note = await t.api('POST', `/api/v1/cases/${c.id}/actions?timelineAfter=1`, {
      token: w.tokens.staff,
      body: { type: 'note', message: 'Staff only.' },
    });
    expect(note.status).toBe(200);
    expect(note.body.timeline.map((e: { type: string }) => e.type)).toEqual(['note']);
    const answer = await reply(w.tokens.customer, c.id, '?timelineAfter=1');
    expect(answer.body.timeline.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual([[3, 'responded']]);
  });

  it('refuses a seq that is not a whole number', async () => {
    const c = await w.openCase();
    for (const bad of ['-1', 'abc', '1.5']) {
      const r = await reply(w.tokens.customer, c.id, `?timelineAfter=${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    // Nothing was done by the refused requests.
    const read = await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer });
    expect(read.body.timeline).toHaveLength(1);
  });
});

describe('an action’s answer, built from the change itself', () => {
  it('is the case a read shows right after it, for each party and staff, around a staff note', async () => {
    const c = await w.openCase();
    const read = async (token: string) => (await t.api('GET', `/api/v1/cases/${c.id}`, { token })).body;
    expect(c).toEqual(await read(w.tokens.customer));
    const steps: [string, Record<string, unknown>][] = [
      [w.tokens.merchant, { type: 'respond', message: 'Looking into it.' }],
      [w.tokens.staff, { type: 'note', message: 'Staff only.' }],
      [w.tokens.customer, { type: 'respond', message: 'Thanks.' }],
      [w.tokens.merchant, { type: 'deny', message: 'It was delivered.' }],
    ];
    for (const [token, body] of steps) {
      const answer = await w.act(token, c.id, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual(await read(token));
    }
    // Reads share the answers' timeline cache: check it against the stored events themselves.
    const stored = await t.app.services.db
      .selectFrom('case_events')
      .select(['id', 'visibility'])
      .where('case_id', '=', c.id)
      .orderBy('seq')
      .execute();
    const ids = (token: string) => read(token).then((v) => v.timeline.map((e: { id: string }) => e.id));
    expect(stored.some((e) => e.visibility === 'staff')).toBe(true);
    expect(await ids(w.tokens.staff)).toEqual(stored.map((e) => e.id));
    expect(await ids(w.tokens.customer)).toEqual(stored.filter((e) => e.visibility === 'public').map((e) => e.id));
  });
});
