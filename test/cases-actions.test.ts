/** Every action of SPEC §4 over real HTTP: its effect, its timeline events, its refusals. */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const get = async (token: string, id: string) => (await t.api('GET', `/api/v1/cases/${id}`, { token })).body;
const types = (c: any) => c.timeline.map((e: any) => e.type);

async function escalated() {
  const c = await w.openCase();
  expect((await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'Delivered on time.' })).status).toBe(200);
  const r = await w.act(w.tokens.customer, c.id, { type: 'escalate', message: 'It was not.' });
  expect(r.body.status).toBe('under_platform_review');
  return r.body;
}

describe('opening', () => {
  it('records the description as the first event and gives the merchant 7 days', async () => {
    const c = await w.openCase();
    expect(c.timeline).toHaveLength(1);
    expect(c.timeline[0]).toMatchObject({
      seq: 1,
      type: 'created',
      actor: { kind: 'customer', id: 'cust', name: 'Cora Customer' },
      message: 'It never arrived in my library.',
      visibility: 'public',
      data: { status: 'merchant_response_needed' },
    });
    expect(c.dueAt).toBe(await w.inDays(7));
    expect(c).toMatchObject({ turn: 'merchant', final: false, outcome: null, offer: null, version: 1, role: 'customer' });
    expect(c.payment).toMatchObject({ amount: 10000, currency: 'USD', refundedAmount: 0, provider: 'stripe' });
    expect(c.merchant).toEqual({ id: 'shop', name: 'Shop One' });
  });
});

describe('merchant answers', () => {
  it('accept: full refund paid by the merchant, final at once, executed by the worker', async () => {
    const c = await w.openCase();
    const r = await w.act(w.tokens.merchant, c.id, { type: 'accept', message: 'Sorry, refunded.' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'customer_won',
      final: true,
      turn: null,
      dueAt: null,
      outcome: { kind: 'refund', amount: 10000, currency: 'USD', fundedBy: 'merchant', execution: 'pending' },
      availableActions: [],
    });
    await w.advance('PT1S');
    const after = await get(w.tokens.customer, c.id);
    expect(after.outcome.execution).toBe('succeeded');
    expect(types(after)).toEqual(['created', 'accepted', 'refund_succeeded']);
    const ok = after.timeline[2];
    expect(ok.data).toMatchObject({ amount: 10000, provider: 'stripe', simulated: true });
    expect(ok.message).toMatch(/simulated/i);
    expect(after.payment.refundedAmount).toBe(10000);
  });

  it('deny needs a message and hands the turn to the customer', async () => {
    const c = await w.openCase();
    const bare = await w.act(w.tokens.merchant, c.id, { type: 'deny' });
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe('validation_failed');
    const r = await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'Delivered.' });
    expect(r.body).toMatchObject({ status: 'customer_response_needed', turn: 'customer', dueAt: await w.inDays(7) });
    expect(r.body.availableActions).toEqual(['respond', 'accept']);
    const mine = await get(w.tokens.customer, c.id);
    expect(mine.availableActions).toEqual(['respond', 'escalate', 'withdraw']);
  });

  it('request_more_info at most twice; the customer reply hands the turn back', async () => {
    const c = await w.openCase();
    for (let i = 0; i < 2; i++) {
      const ask = await w.act(w.tokens.merchant, c.id, { type: 'request_more_info', message: 'Which email did you use?' });
      expect(ask.body.status).toBe('customer_info_needed');
      const mine = await get(w.tokens.customer, c.id);
      expect(mine.turn).toBe('customer');
      const reply = await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'cora@example.com' });
      expect(reply.body.status).toBe('merchant_response_needed');
    }
    const third = await w.act(w.tokens.merchant, c.id, { type: 'request_more_info', message: 'Again?' });
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('limit_reached');
    const seen = await get(w.tokens.merchant, c.id);
    expect(seen.availableActions).not.toContain('request_more_info');
    expect(types(seen)).toEqual(['created', 'requested_more_info', 'responded', 'requested_more_info', 'responded']);
  });

  it('offer_partial_refund: amount strictly between 0 and what is left; accept_offer refunds it', async () => {
    const c = await w.openCase({ status: 'partially_refunded', refundedAmount: 2000 });
    for (const amount of [0, 8000, 9000, -5, 1.5]) {
      const r = await w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount, message: 'Half?' });
      expect(r.status).toBe(400);
      expect(['invalid_amount', 'validation_failed']).toContain(r.body.code);
    }
    const offer = await w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 3000, message: 'Would $30 help?' });
    expect(offer.body).toMatchObject({ status: 'customer_response_needed', offer: { amount: 3000, currency: 'USD' } });
    const mine = await get(w.tokens.customer, c.id);
    expect(mine.availableActions).toEqual(['respond', 'accept_offer', 'escalate', 'withdraw']);
    const took = await w.act(w.tokens.customer, c.id, { type: 'accept_offer' });
    expect(took.body).toMatchObject({
      status: 'customer_won',
      final: true,
      offer: null,
      outcome: { kind: 'partial_refund', amount: 3000, fundedBy: 'merchant', execution: 'pending' },
    });
    await w.advance('PT1S');
    const after = await get(w.tokens.customer, c.id);
    expect(after.payment.refundedAmount).toBe(5000);
    expect(types(after)).toEqual(['created', 'offered_partial_refund', 'offer_accepted', 'refund_succeeded']);
  });

  it('offer_partial_refund is neither listed nor allowed when 1 minor unit of the payment is left', async () => {
    const c = await w.openCase({ status: 'partially_refunded', refundedAmount: 9999 });
    const seen = await get(w.tokens.merchant, c.id);
    expect(seen.availableActions).toEqual(['respond', 'accept', 'deny', 'request_more_info']);
    const r = await w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 1, message: 'A cent?' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('action_not_allowed');
    // With 2 left, an offer of 1 is possible.
    const two = await w.openCase({ status: 'partially_refunded', refundedAmount: 9998 });
    expect((await get(w.tokens.merchant, two.id)).availableActions).toContain('offer_partial_refund');
  });

  it('escalating lapses an open offer', async () => {
    const c = await w.openCase();
    await w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 1000, message: 'Ten dollars?' });
    const r = await w.act(w.tokens.customer, c.id, { type: 'escalate' });
    expect(r.body).toMatchObject({ status: 'under_platform_review', offer: null, turn: 'staff', dueAt: null });
    expect(r.body.timeline.at(-1).data.reason).toBe('customer_request');
    expect((await w.act(w.tokens.customer, c.id, { type: 'accept_offer' })).body.code).toBe('action_not_allowed');
  });

  it('the merchant may still accept while staff review the case', async () => {
    const c = await escalated();
    const r = await w.act(w.tokens.merchant, c.id, { type: 'accept' });
    expect(r.body).toMatchObject({ status: 'customer_won', final: true });
  });
});

describe('customer', () => {
  it('withdraws from any open status: final', async () => {
    const c = await w.openCase();
    const r = await w.act(w.tokens.customer, c.id, { type: 'withdraw', message: 'Found it, thanks.' });
    expect(r.body).toMatchObject({ status: 'customer_withdrew', final: true, availableActions: [] });
    expect((await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'hello?' })).body.code).toBe('action_not_allowed');
  });

  it('respond keeps the status and posts the message for both sides', async () => {
    const c = await w.openCase();
    const r = await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'Any news?' });
    expect(r.body.status).toBe('merchant_response_needed');
    const seen = await get(w.tokens.merchant, c.id);
    expect(seen.timeline.at(-1)).toMatchObject({ type: 'responded', message: 'Any news?', actor: { kind: 'customer' } });
  });

  it('cannot use merchant or staff actions', async () => {
    const c = await w.openCase();
    for (const type of ['accept', 'deny', 'decide', 'note', 'request_customer_info']) {
      const r = await w.act(w.tokens.customer, c.id, { type, message: 'x', outcome: 'refund' });
      expect(r.status, type).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
  });
});

describe('staff', () => {
  it('asks the customer, whose reply returns the case to review', async () => {
    const c = await escalated();
    const ask = await w.act(w.tokens.staff, c.id, { type: 'request_customer_info', message: 'Please send the receipt.' });
    expect(ask.body).toMatchObject({ status: 'customer_info_needed', turn: 'customer' });
    const reply = await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'Here it is.' });
    expect(reply.body.status).toBe('under_platform_review');
  });

  it('asks the merchant, whose reply returns the case to review', async () => {
    const c = await escalated();
    const ask = await w.act(w.tokens.staff, c.id, { type: 'request_merchant_info', message: 'Delivery logs please.' });
    expect(ask.body).toMatchObject({ status: 'merchant_info_needed', turn: 'merchant' });
    const reply = await w.act(w.tokens.merchant, c.id, { type: 'respond', message: 'Attached.' });
    expect(reply.body.status).toBe('under_platform_review');
  });

  it('writes internal notes that parties never see', async () => {
    const c = await escalated();
    const r = await w.act(w.tokens.staff, c.id, { type: 'note', message: 'Merchant has 3 similar cases.' });
    expect(r.body.timeline.at(-1)).toMatchObject({ type: 'note', visibility: 'staff' });
    for (const token of [w.tokens.customer, w.tokens.merchant]) {
      const seen = await get(token, c.id);
      expect(JSON.stringify(seen)).not.toContain('similar cases');
    }
    const platform = await t.api('GET', `/api/v1/platform/cases/${c.id}`, { token: w.platform });
    expect(JSON.stringify(platform.body)).not.toContain('similar cases');
  });

  it('decides; either side appeals once; another staff member decides for good', async () => {
    const c = await escalated();
    const bare = await w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'refund' });
    expect(bare.status).toBe(400);
    const d = await w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'refund', amount: 6000, message: 'Partly justified.' });
    expect(d.body).toMatchObject({
      status: 'customer_won',
      final: false,
      appealDeadline: await w.inDays(7),
      outcome: { kind: 'partial_refund', amount: 6000, fundedBy: 'merchant', execution: 'pending' },
    });
    expect((await get(w.tokens.customer, c.id)).availableActions).toEqual(['appeal']);
    expect((await get(w.tokens.merchant, c.id)).availableActions).toEqual(['appeal']);
    expect((await w.act(w.tokens.merchant, c.id, { type: 'appeal' })).body.code).toBe('validation_failed');
    const a = await w.act(w.tokens.merchant, c.id, { type: 'appeal', message: 'The course was delivered.' });
    expect(a.body).toMatchObject({ status: 'under_platform_review', merchantAppealed: true, customerAppealed: false, inAppeal: true });
    expect((await get(w.tokens.customer, c.id)).availableActions).not.toContain('appeal');
    const same = await w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'merchant_wins', message: 'Changed my mind.' });
    expect(same.status).toBe(403);
    expect(same.body.code).toBe('same_reviewer');
    expect((await get(w.tokens.staff, c.id)).availableActions).not.toContain('decide');
    const fin = await w.act(w.tokens.staff2, c.id, { type: 'decide', outcome: 'merchant_wins', message: 'Delivery proven.' });
    expect(fin.body).toMatchObject({ status: 'merchant_won', final: true, appealDeadline: null, outcome: { kind: 'none' } });
    expect((await get(w.tokens.customer, c.id)).availableActions).toEqual([]);
    await w.advance('P8D');
    const after = await get(w.tokens.customer, c.id);
    expect(after.payment.refundedAmount).toBe(0);
    expect(types(after)).toEqual(['created', 'denied', 'escalated', 'decided', 'appealed', 'decided']);
  });

  it('a credit decision costs the merchant nothing and lands in the ledger when final', async () => {
    const c = await escalated();
    await w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'credit', message: 'Goodwill credit.' });
    expect((await t.api('GET', '/api/v1/credits', { token: w.tokens.customer })).body.balances).toEqual([]);
    await w.advance('P7D');
    const after = await get(w.tokens.customer, c.id);
    expect(after).toMatchObject({ final: true, outcome: { kind: 'credit', amount: 10000, fundedBy: 'platform', execution: 'succeeded' } });
    expect(types(after).slice(-2)).toEqual(['finalized', 'credit_issued']);
    expect(after.payment.refundedAmount).toBe(0);
    const credits = (await t.api('GET', '/api/v1/credits', { token: w.tokens.customer })).body;
    expect(credits.entries.find((e: any) => e.caseId === c.id)).toMatchObject({ amount: 10000, currency: 'USD' });
  });

  it('a staff member who is a party acts only as that party', async () => {
    await t.api('PUT', '/api/v1/platform/merchants/shop', {
      token: w.platform,
      body: { name: 'Shop One', supportEmail: 'support@shop.example', memberIds: ['merch', 'staff2'] },
    });
    try {
      const c = await escalated();
      const seen = await get(w.tokens.staff2, c.id);
      expect(seen.role).toBe('merchant');
      const r = await w.act(w.tokens.staff2, c.id, { type: 'decide', outcome: 'merchant_wins', message: 'Mine.' });
      expect(r.status).toBe(403);
    } finally {
      await t.api('PUT', '/api/v1/platform/merchants/shop', {
        token: w.platform,
        body: { name: 'Shop One', supportEmail: 'support@shop.example', memberIds: ['merch'] },
      });
    }
  });
});

describe('platform reports', () => {
  it('a refund made elsewhere closes the open case as customer_won', async () => {
    const c = await w.openCase();
    const pay = await t.api('PUT', `/api/v1/platform/payments/${c.payment.id}`, {
      token: w.platform,
      body: {
        customerId: 'cust',
        merchantId: 'shop',
        amount: 10000,
        currency: 'USD',
        provider: 'stripe',
        providerPaymentId: `pi_${c.payment.id}`,
        status: 'refunded',
        productName: 'Course',
        paidAt: c.payment.paidAt,
      },
    });
    expect(pay.body.caseId).toBe(c.id);
    const after = await get(w.tokens.customer, c.id);
    expect(after).toMatchObject({ status: 'customer_won', final: true, outcome: { kind: 'refunded_elsewhere', amount: 10000 } });
    expect(after.timeline.at(-1)).toMatchObject({ type: 'payment_refunded_elsewhere', actor: { kind: 'system' } });
  });

  it('a chargeback closes the case; the bank owns it now', async () => {
    const c = await w.openCase();
    const r = await t.api('POST', `/api/v1/platform/payments/${c.payment.id}/chargeback`, { token: w.platform });
    expect(r.body).toEqual({ caseId: c.id, disputeId: expect.stringMatching(/^dsp_/) });
    const after = await get(w.tokens.merchant, c.id);
    expect(after).toMatchObject({ status: 'chargeback_filed', final: true, availableActions: [] });
    expect((await t.api('POST', '/api/v1/platform/payments/nope/chargeback', { token: w.platform })).status).toBe(404);
  });
});

describe('expectedVersion', () => {
  it('refuses to act on a stale view', async () => {
    const c = await w.openCase();
    await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'Hello' });
    const r = await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.', expectedVersion: 1 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('conflict');
    expect((await get(w.tokens.merchant, c.id)).status).toBe('merchant_response_needed');
    const ok = await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.', expectedVersion: 2 });
    expect(ok.status).toBe(200);
  });
});
