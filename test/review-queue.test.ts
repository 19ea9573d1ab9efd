/**
 * The review queue says why each case is with staff (`reviewReason`), for every way into
 * review, and filters by it (`?reason=`), on SQLite and PostgreSQL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';
import { QueueItem } from '../src/http/schemas.js';
import type { ReviewReason } from '../src/domain/review.js';

const { t, w, stripe } = useWorld({ stripe: true });

const ok = async (p: Promise<{ status: number; body: any }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const act = (token: string, id: string, body: Record<string, unknown>) => ok(w.act(token, id, body));
const queue = (query = '') => ok(t.api('GET', `/api/v1/review-queue${query}`, { token: w.tokens.staff }));

/** Opened, denied and escalated by the customer: under review. */
async function escalated() {
  const c = await w.openCase();
  await act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.' });
  await act(w.tokens.customer, c.id, { type: 'escalate', message: 'Please decide.' });
  return c.id as string;
}

describe('the review queue says why a case is with staff', () => {
  const ids = {} as Record<ReviewReason, string>;

  beforeAll(async () => {
    // The merchant never answers.
    ids.merchant_unresponsive = (await w.openCase()).id;
    // The customer asks the platform; their later reply in review at the same instant changes nothing.
    ids.customer_request = await escalated();
    await act(w.tokens.customer, ids.customer_request, { type: 'respond', message: 'One more detail.' });
    // Staff ask the merchant, who stays silent.
    ids.merchant_info_unanswered = await escalated();
    await act(w.tokens.staff, ids.merchant_info_unanswered, { type: 'request_merchant_info', message: 'Your logs, please.' });
    await w.advance('P7DT1M');
    // Staff ask each side, who answers (all at one instant: the last move into review counts).
    ids.merchant_info_provided = await escalated();
    await act(w.tokens.staff, ids.merchant_info_provided, { type: 'request_merchant_info', message: 'Your logs, please.' });
    await act(w.tokens.merchant, ids.merchant_info_provided, { type: 'respond', message: 'Attached.' });
    ids.customer_info_provided = await escalated();
    await act(w.tokens.staff, ids.customer_info_provided, { type: 'request_customer_info', message: 'Your receipt, please.' });
    await act(w.tokens.customer, ids.customer_info_provided, { type: 'respond', message: 'Here it is.' });
    // A first decision, appealed by each side.
    ids.customer_appeal = await escalated();
    await act(w.tokens.staff, ids.customer_appeal, { type: 'decide', outcome: 'merchant_wins', message: 'No refund.' });
    await act(w.tokens.customer, ids.customer_appeal, { type: 'appeal', message: 'Look again.' });
    ids.merchant_appeal = await escalated();
    await act(w.tokens.staff, ids.merchant_appeal, { type: 'decide', outcome: 'refund', message: 'Refund.' });
    await act(w.tokens.merchant, ids.merchant_appeal, { type: 'appeal', message: 'Look again.' });
    // The provider refuses the refund of an accepted case.
    stripe.failNext({ status: 400, body: { error: { type: 'invalid_request_error', code: 'charge_disputed', message: 'Disputed.' } } });
    ids.remedy_failed = (await w.openCase()).id;
    await act(w.tokens.merchant, ids.remedy_failed, { type: 'accept' });
    await w.advance('PT1S');
  });

  it('on every entry, in words a client can map, next to queueReason', async () => {
    const all = await queue('?limit=100');
    for (const item of all.data) QueueItem.parse(item);
    const byId = new Map(all.data.map((q: any) => [q.id, [q.queueReason, q.reviewReason]]));
    expect(Object.fromEntries(Object.entries(ids).map(([reason, id]) => [reason, byId.get(id)]))).toEqual({
      merchant_unresponsive: ['escalation', 'merchant_unresponsive'],
      customer_request: ['escalation', 'customer_request'],
      merchant_info_unanswered: ['escalation', 'merchant_info_unanswered'],
      merchant_info_provided: ['escalation', 'merchant_info_provided'],
      customer_info_provided: ['escalation', 'customer_info_provided'],
      customer_appeal: ['appeal', 'customer_appeal'],
      merchant_appeal: ['appeal', 'merchant_appeal'],
      remedy_failed: ['remedy_failed', 'remedy_failed'],
    });
    expect(all.data).toHaveLength(Object.keys(ids).length);
  });

  it('filters by reason (?reason=), and the filtered pages walk with the cursor', async () => {
    for (const [reason, id] of Object.entries(ids)) {
      const page = await queue(`?reason=${reason}`);
      expect(
        page.data.map((q: any) => q.id),
        reason,
      ).toEqual([id]);
      expect(page.nextCursor).toBeNull();
    }
    // Two appeals of one kind, one per page.
    const second = await escalated();
    await act(w.tokens.staff, second, { type: 'decide', outcome: 'merchant_wins', message: 'No refund.' });
    await w.advance('PT1M');
    await act(w.tokens.customer, second, { type: 'appeal', message: 'Look again.' });
    const first = await queue('?reason=customer_appeal&limit=1');
    expect(first.data.map((q: any) => q.id)).toEqual([ids.customer_appeal]);
    const next = await queue(`?reason=customer_appeal&limit=1&cursor=${first.nextCursor}`);
    expect(next.data.map((q: any) => q.id)).toEqual([second]);
    expect(next.nextCursor).toBeNull();
  });

  it('refuses an unknown reason', async () => {
    const r = await t.api('GET', '/api/v1/review-queue?reason=bored', { token: w.tokens.staff });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
  });
});
