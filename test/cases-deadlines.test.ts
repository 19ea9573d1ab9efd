/** SPEC §3: every deadline, applied by the worker at its instant and not one minute early. */
import { describe, expect, it } from 'vitest';
import { startApp } from './support/harness.js';
import { makeWorld, useWorld } from './support/world.js';

const { t, w } = useWorld();

const get = async (id: string) => (await t.api('GET', `/api/v1/cases/${id}`, { token: w.tokens.staff })).body;

/** Moves to one minute before the deadline (nothing happens), then to it (it applies). */
async function crossDeadline(id: string) {
  const before = await get(id);
  const now = Date.parse((await t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
  const ms = Date.parse(before.dueAt) - now;
  expect(ms).toBeGreaterThan(60_000);
  await w.advance(`PT${Math.floor(ms / 1000) - 60}S`);
  const early = await get(id);
  expect(early.status).toBe(before.status);
  // Nothing happens early but the 48-hour reminder (SPEC §3, §8).
  expect(early.timeline.slice(before.timeline.length).map((e: any) => e.type)).toEqual(['reminder_sent']);
  await w.advance('PT60S');
  return get(id);
}

async function escalated() {
  const c = await w.openCase();
  await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.' });
  await w.act(w.tokens.customer, c.id, { type: 'escalate' });
  return c;
}

describe('deadlines', () => {
  it('a silent merchant: escalated to staff after 7 days', async () => {
    const c = await w.openCase();
    const after = await crossDeadline(c.id);
    expect(after).toMatchObject({ status: 'under_platform_review', turn: 'staff', dueAt: null });
    expect(after.timeline.at(-1)).toMatchObject({
      type: 'escalated',
      actor: { kind: 'system' },
      data: { status: 'under_platform_review', reason: 'merchant_unresponsive' },
    });
    const queue = (await t.api('GET', '/api/v1/review-queue', { token: w.tokens.staff })).body.data;
    expect(queue.find((q: any) => q.id === c.id)).toMatchObject({ queueReason: 'escalation' });
  });

  it('a silent customer asked for info: merchant wins, final', async () => {
    const c = await w.openCase();
    await w.act(w.tokens.merchant, c.id, { type: 'request_more_info', message: 'Order number?' });
    const after = await crossDeadline(c.id);
    expect(after).toMatchObject({ status: 'merchant_won', final: true, outcome: { kind: 'none' } });
    expect(after.timeline.at(-1)).toMatchObject({ type: 'deadline_passed', data: { reason: 'customer_unresponsive' } });
  });

  it('a silent customer after an offer: merchant wins and the offer lapses', async () => {
    const c = await w.openCase();
    await w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 500, message: 'Five?' });
    const after = await crossDeadline(c.id);
    expect(after).toMatchObject({ status: 'merchant_won', final: true, offer: null });
  });

  it('a silent merchant asked by staff: back to review', async () => {
    const c = await escalated();
    await w.act(w.tokens.staff, c.id, { type: 'request_merchant_info', message: 'Logs?' });
    const after = await crossDeadline(c.id);
    expect(after).toMatchObject({ status: 'under_platform_review' });
    expect(after.timeline.at(-1).data).toMatchObject({ status: 'under_platform_review', reason: 'merchant_unresponsive' });
  });

  it('the review has no deadline: nothing happens however long staff take', async () => {
    const c = await escalated();
    await w.advance('P20D');
    expect((await get(c.id)).status).toBe('under_platform_review');
  });

  it('an appeal window closes: the decision becomes final and the refund executes', async () => {
    const c = await escalated();
    await w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'refund', message: 'Refund.' });
    const decided = await get(c.id);
    const now = Date.parse((await t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
    await w.advance(`PT${Math.floor((Date.parse(decided.appealDeadline) - now) / 1000) - 60}S`);
    expect((await get(c.id)).final).toBe(false);
    await w.advance('PT60S');
    const after = await get(c.id);
    expect(after).toMatchObject({ final: true, outcome: { execution: 'succeeded' }, payment: { refundedAmount: 10000 } });
    expect(after.timeline.slice(-2).map((e: any) => e.type)).toEqual(['finalized', 'refund_succeeded']);
    const customer = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer })).body;
    expect(customer.availableActions).toEqual([]);
  });

  it('deadlines use the configured durations', async () => {
    const t2 = await startApp({ DEADLINE_MERCHANT_RESPONSE: 'P2D', APPEAL_WINDOW: 'PT12H' });
    try {
      const w2 = await makeWorld(t2.api);
      const c = await w2.openCase();
      expect(c.dueAt).toBe(await w2.inDays(2));
    } finally {
      await t2.close();
    }
  });

  it('one failing job holds back neither the deadlines nor the mail', async () => {
    const t2 = await startApp();
    try {
      const w2 = await makeWorld(t2.api);
      t2.app.services.jobs.add(async () => {
        throw new Error('broken job');
      });
      const c = await w2.openCase();
      await t2.app.services.clock.advance(8 * 86_400_000);
      // The pass reports the failure, after running everything else.
      await expect(t2.app.services.jobs.runDue()).rejects.toThrow('broken job');
      const after = await t2.api('GET', `/api/v1/cases/${c.id}`, { token: w2.tokens.staff });
      expect(after.body.status).toBe('under_platform_review');
      const mail = await t2.api('GET', '/api/v1/platform/dev/mailbox', { token: w2.platform });
      expect(mail.body.data.map((m: { subject: string }) => m.subject)).toContainEqual(expect.stringContaining('escalated'));
    } finally {
      await t2.close();
    }
  });
});
