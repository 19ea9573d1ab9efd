/**
 * Assignment (SPEC §16): `claim` and `assign` through the transition table while a case is
 * with staff, who holds a case in its view and on the queue, and two claims racing.
 */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

async function escalated() {
  const c = await w.openCase();
  expect((await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'It was delivered.' })).status).toBe(200);
  expect((await w.act(w.tokens.customer, c.id, { type: 'escalate' })).status).toBe(200);
  return c.id as string;
}
const view = async (id: string, token: string) => (await t.api('GET', `/api/v1/cases/${id}`, { token })).body;
const queue = async (q: string, token = w.tokens.staff) => {
  const r = await t.api('GET', `/api/v1/review-queue?limit=100${q}`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.data as { id: string; assignee: { id: string; name: string } | null }[];
};

describe('claim and assign', () => {
  it('a claim holds the case; another staff member’s claim is refused, an assignment overrides', async () => {
    const id = await escalated();
    expect((await view(id, w.tokens.staff)).availableActions).toEqual(expect.arrayContaining(['assign', 'claim']));
    const claimed = await w.act(w.tokens.staff, id, { type: 'claim' });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body.assignee).toEqual({ id: 'staff1', name: 'Sara Staff' });
    const seen = await view(id, w.tokens.staff2);
    expect(seen.assignee).toEqual({ id: 'staff1', name: 'Sara Staff' });
    expect(seen.availableActions).not.toContain('claim');
    const again = await w.act(w.tokens.staff2, id, { type: 'claim' });
    expect([again.status, again.body.code]).toEqual([409, 'already_assigned']);
    const assigned = await w.act(w.tokens.staff2, id, { type: 'assign', assigneeId: 'staff2' });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assignee).toEqual({ id: 'staff2', name: 'Stan Staff' });
    const released = await w.act(w.tokens.staff2, id, { type: 'assign', assigneeId: null });
    expect(released.body.assignee).toBeNull();
    // The timeline keeps who held it, for staff only.
    const timeline = (await view(id, w.tokens.staff)).timeline.filter((e: { type: string }) => e.type === 'assigned');
    expect(timeline.map((e: { data: { assigneeId: string | null } }) => e.data.assigneeId)).toEqual(['staff1', 'staff2', null]);
    expect((await view(id, w.tokens.customer)).timeline.some((e: { type: string }) => e.type === 'assigned')).toBe(false);
  });

  it('is staff’s: the parties never see who holds a case and may not claim it', async () => {
    const id = await escalated();
    await w.act(w.tokens.staff, id, { type: 'claim' });
    for (const token of [w.tokens.customer, w.tokens.merchant]) {
      expect((await view(id, token)).assignee).toBeNull();
      const r = await w.act(token, id, { type: 'claim' });
      expect([r.status, r.body.code]).toEqual([403, 'forbidden']);
    }
  });

  it('only while the case is with staff: under review, or on an information request staff made', async () => {
    const fresh = await w.openCase();
    const r = await w.act(w.tokens.staff, fresh.id, { type: 'claim' });
    expect([r.status, r.body.code]).toEqual([409, 'action_not_allowed']);
    const id = await escalated();
    expect((await w.act(w.tokens.staff, id, { type: 'request_customer_info', message: 'Send the receipt.' })).status).toBe(200);
    expect((await w.act(w.tokens.staff2, id, { type: 'claim' })).status).toBe(200);
  });

  it('assigns staff members only, and needs assigneeId', async () => {
    const id = await escalated();
    const customer = await w.act(w.tokens.staff, id, { type: 'assign', assigneeId: 'cust' });
    expect([customer.status, customer.body.code, customer.body.errors?.[0]?.path]).toEqual([400, 'validation_failed', 'assigneeId']);
    const nobody = await w.act(w.tokens.staff, id, { type: 'assign', assigneeId: 'no_such_user' });
    expect(nobody.status).toBe(400);
    const missing = await w.act(w.tokens.staff, id, { type: 'assign' });
    expect([missing.status, missing.body.errors?.[0]?.path]).toEqual([400, 'assigneeId']);
    expect((await view(id, w.tokens.staff)).assignee).toBeNull();
  });

  it('two claims at once: exactly one wins, the other hears already_assigned', async () => {
    for (let round = 0; round < 3; round++) {
      const id = await escalated();
      const [a, b] = await Promise.all([w.act(w.tokens.staff, id, { type: 'claim' }), w.act(w.tokens.staff2, id, { type: 'claim' })]);
      const statuses = [a.status, b.status].sort();
      expect(statuses, JSON.stringify([a.body, b.body])).toEqual([200, 409]);
      const lost = a.status === 409 ? a : b;
      expect(lost.body.code).toBe('already_assigned');
      const winner = a.status === 200 ? 'staff1' : 'staff2';
      const after = await view(id, w.tokens.staff);
      expect(after.assignee.id).toBe(winner);
      expect(after.timeline.filter((e: { type: string }) => e.type === 'assigned')).toHaveLength(1);
    }
  });
});

describe('the review queue by assignee', () => {
  it('filters by me, none and a staff member, and marks who holds each case', async () => {
    const mine = await escalated();
    const theirs = await escalated();
    const free = await escalated();
    await w.act(w.tokens.staff, mine, { type: 'claim' });
    await w.act(w.tokens.staff2, theirs, { type: 'claim' });
    const me = (await queue('&assignee=me')).map((c) => c.id);
    expect(me).toContain(mine);
    expect(me).not.toContain(theirs);
    expect(me).not.toContain(free);
    const none = (await queue('&assignee=none')).map((c) => c.id);
    expect(none).toContain(free);
    expect(none).not.toContain(mine);
    const stan = await queue('&assignee=staff2');
    expect(stan.map((c) => c.id)).toEqual(expect.arrayContaining([theirs]));
    expect(stan.every((c) => c.assignee?.id === 'staff2')).toBe(true);
    const all = await queue('');
    expect(all.find((c) => c.id === theirs)?.assignee).toEqual({ id: 'staff2', name: 'Stan Staff' });
    expect(all.find((c) => c.id === free)?.assignee).toBeNull();
    expect((await t.api('GET', '/api/v1/review-queue?assignee=me', { token: w.tokens.merchant })).status).toBe(403);
  });
});
