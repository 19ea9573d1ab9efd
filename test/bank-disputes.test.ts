/**
 * Bank disputes (SPEC §12) through HTTP against a real database: Stripe's signed events
 * (the real signature check, against the real time), PayPal's events verified by the
 * fake PayPal, the platform's network alerts; inquiries that close nothing, refunds from
 * an alert exactly once through provider failures, the merchant's auto-refund rules,
 * webhooks and lists.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakePayPal } from './support/fake-providers.js';
import { useWorld } from './support/world.js';

const WEBHOOK_SECRET = 'whsec_test_bank_disputes';

let receiver: http.Server;
const hooks: any[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
const { t, w, stripe, paypal } = useWorld({ stripe: true, paypal: true, env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
beforeAll(async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  await ok(
    t.api('PUT', '/api/v1/platform/webhook-endpoints/disputes', {
      token: w.platform,
      body: { url, secret: 'whsec_receiver_0123456789', events: ['dispute.created', 'dispute.updated'] },
    }),
  );
});
beforeEach(() => {
  stripe.reset();
  paypal.reset();
});

const ok = async (p: Promise<{ status: number; body: any }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const getCase = (id: string, token = w.tokens.merchant) => ok(t.api('GET', `/api/v1/cases/${id}`, { token }));
const types = (c: { timeline: { type: string }[] }) => c.timeline.map((e) => e.type);
const payment = (id: string) => ok(t.api('GET', `/api/v1/platform/payments/${id}`, { token: w.platform }));
const disputesOf = async (paymentId: string) =>
  (await ok(t.api('GET', `/api/v1/platform/disputes?paymentId=${paymentId}`, { token: w.platform }))).data;
const act = (id: string, body: Record<string, unknown>, token = w.tokens.merchant) =>
  t.api('POST', `/api/v1/disputes/${id}/actions`, { token, body });
const settings = (body: unknown, token = w.tokens.merchant) => t.api('PUT', '/api/v1/merchants/shop/settings', { token, body });

// ---------------------------------------------------------------- Stripe

/** Signed now, by the real clock: the service's clock is pinned months away and must not matter. */
async function postStripe(type: string, object: Record<string, unknown>, created: number, timestamp = Math.floor(Date.now() / 1000)) {
  const payload = JSON.stringify({
    id: `evt_${Math.random().toString(36).slice(2)}`,
    object: 'event',
    api_version: '2025-01-01',
    created,
    livemode: false,
    type,
    data: { object },
  });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp });
  return t.api('POST', '/api/v1/providers/stripe/webhook', {
    raw: payload,
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
  });
}

const DUE = 1773000000; // 2026-03-08T20:00:00Z
/** Stripe's Dispute object as the API sends it. */
const stripeDispute = (id: string, paymentIntent: string, status: string, amount = 10000) => ({
  id,
  object: 'dispute',
  amount,
  balance_transactions: [],
  charge: `ch_for_${paymentIntent}`,
  created: 1772400000,
  currency: 'usd',
  evidence: {},
  evidence_details: { due_by: DUE, has_evidence: false, past_due: false, submission_count: 0 },
  is_charge_refundable: status.startsWith('warning_'),
  livemode: false,
  metadata: {},
  payment_intent: paymentIntent,
  reason: 'product_not_received',
  status,
});
/** Stripe's Radar EarlyFraudWarning object. */
const earlyFraudWarning = (id: string, paymentIntent: string, actionable = true) => ({
  id,
  object: 'radar.early_fraud_warning',
  actionable,
  charge: `ch_for_${paymentIntent}`,
  created: 1772400000,
  fraud_type: 'made_with_stolen_card',
  livemode: false,
  payment_intent: paymentIntent,
});

describe('Stripe disputes', () => {
  it('checks the signature against the real time, not the movable clock', async () => {
    const c = await w.openCase();
    const pi = `pi_${c.payment.id}`;
    // Signed at the service's (pinned, moved) time: months from the real one, so a replay.
    const serviceNow = Date.parse((await ok(t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform }))).now);
    const stale = await postStripe(
      'charge.dispute.created',
      stripeDispute('dp_clock', pi, 'needs_response'),
      1,
      Math.floor(serviceNow / 1000),
    );
    expect(stale.status).toBe(400);
    expect(stale.body.code).toBe('invalid_signature');
    const old = await postStripe(
      'charge.dispute.created',
      stripeDispute('dp_clock', pi, 'needs_response'),
      1,
      Math.floor(Date.now() / 1000) - 400,
    );
    expect(old.body.code).toBe('invalid_signature');
    expect((await getCase(c.id)).status).toBe('merchant_response_needed');
  });

  it('an inquiry then a chargeback on one case: bank_inquiry first (the case stays open), then chargeback_filed', async () => {
    const c = await w.openCase();
    const pi = `pi_${c.payment.id}`;
    const inquiry = await ok(postStripe('charge.dispute.created', stripeDispute('dp_inq_1', pi, 'warning_needs_response'), 1000));
    expect(inquiry).toEqual({ received: true, handled: true, caseId: c.id });
    // Before this change the case closed here as chargeback_filed; now the bank's question is on the timeline.
    const asked = await getCase(c.id);
    expect(asked.status).toBe('merchant_response_needed');
    const event = asked.timeline.find((e: any) => e.type === 'bank_inquiry');
    expect(event).toMatchObject({
      visibility: 'public',
      actor: { kind: 'system' },
      data: { stage: 'inquiry', respondBy: new Date(DUE * 1000).toISOString(), amount: 10000, currency: 'USD' },
    });
    expect(types(await getCase(c.id, w.tokens.customer))).toContain('bank_inquiry');
    expect(types(await getCase(c.id, w.tokens.staff))).toContain('bank_inquiry');
    const [d] = await disputesOf(c.payment.id);
    expect(d).toMatchObject({ source: 'stripe', externalId: 'dp_inq_1', stage: 'inquiry', status: 'open', caseId: c.id });
    expect(d.id).toMatch(/^dsp_/);
    // The customer can still open nothing new, but the payment is not "disputed" by an inquiry.
    // The inquiry becomes a chargeback: now the case closes.
    expect((await ok(postStripe('charge.dispute.updated', stripeDispute('dp_inq_1', pi, 'needs_response'), 2000))).handled).toBe(true);
    const after = await getCase(c.id);
    expect(after.status).toBe('chargeback_filed');
    expect(types(after).slice(-2)).toEqual(['bank_inquiry', 'chargeback_filed']);
    expect((await disputesOf(c.payment.id))[0]).toMatchObject({ stage: 'chargeback', status: 'open' });
    // The outcome arrives; an older event (by Stripe's created) and a repeat change nothing.
    expect((await ok(postStripe('charge.dispute.closed', stripeDispute('dp_inq_1', pi, 'won'), 3000))).handled).toBe(true);
    expect((await ok(postStripe('charge.dispute.created', stripeDispute('dp_inq_1', pi, 'warning_needs_response'), 1000))).handled).toBe(
      false,
    );
    expect((await ok(postStripe('charge.dispute.closed', stripeDispute('dp_inq_1', pi, 'won'), 3000))).handled).toBe(false);
    expect((await disputesOf(c.payment.id))[0]).toMatchObject({ stage: 'chargeback', status: 'won' });
    expect((await getCase(c.id)).version).toBe(after.version);
  });

  it('maps every status: warning_under_review, warning_closed, under_review, lost, prevented', async () => {
    const cases: [string[], { stage: string; status: string }][] = [
      [['warning_under_review'], { stage: 'inquiry', status: 'open' }],
      [['warning_needs_response', 'warning_closed'], { stage: 'inquiry', status: 'closed' }],
      [['under_review'], { stage: 'chargeback', status: 'open' }],
      [['needs_response', 'lost'], { stage: 'chargeback', status: 'lost' }],
      [['warning_needs_response', 'prevented'], { stage: 'inquiry', status: 'prevented' }],
    ];
    for (const [statuses, want] of cases) {
      const p = await w.payment();
      let at = 100;
      for (const st of statuses) await ok(postStripe('charge.dispute.updated', stripeDispute(`dp_${p}`, `pi_${p}`, st), (at += 10)));
      expect((await disputesOf(p))[0], statuses.join('→')).toMatchObject(want);
    }
    const p = await w.payment();
    const unknown = await postStripe('charge.dispute.created', stripeDispute(`dp_${p}`, `pi_${p}`, 'invented'), 1);
    expect(unknown.body.code).toBe('invalid_event');
  });

  it('an early fraud warning without a case is an alert for the merchant; not actionable any more, it closes', async () => {
    const p = await w.payment();
    expect((await ok(postStripe('radar.early_fraud_warning.created', earlyFraudWarning(`issfr_${p}`, `pi_${p}`), 10))).caseId).toBeNull();
    const list = await ok(t.api('GET', `/api/v1/merchants/shop/disputes?paymentId=${p}`, { token: w.tokens.merchant }));
    expect(list.data).toEqual([
      expect.objectContaining({
        stage: 'early_warning',
        status: 'open',
        actionable: true,
        reason: 'made_with_stolen_card',
        amount: 10000,
        caseId: null,
        availableActions: ['refund', 'dismiss'],
      }),
    ]);
    // An early warning alone does not make the payment ineligible: only a chargeback does.
    const orders = await ok(t.api('GET', '/api/v1/orders', { token: w.tokens.customer }));
    expect(orders.data.find((o: any) => o.id === p).eligibility.eligible).toBe(true);
    await ok(postStripe('radar.early_fraud_warning.updated', earlyFraudWarning(`issfr_${p}`, `pi_${p}`, false), 20));
    expect((await disputesOf(p))[0]).toMatchObject({ actionable: false, status: 'closed', availableActions: [] });
  });
});

// ---------------------------------------------------------------- PayPal

const postPayPal = (event: unknown) =>
  t.api('POST', '/api/v1/providers/paypal/webhook', {
    raw: JSON.stringify(event),
    headers: { 'content-type': 'application/json', ...FakePayPal.sign(event) },
  });
/** PayPal's dispute webhook event, as PayPal sends it. */
const paypalDispute = (type: string, disputeId: string, capture: string, stage: string, updated: string, extra: object = {}) => ({
  id: `WH-${Math.random().toString(36).slice(2)}`,
  event_version: '1.0',
  create_time: updated,
  resource_type: 'dispute',
  event_type: type,
  summary: 'A dispute was updated',
  resource: {
    dispute_id: disputeId,
    create_time: '2026-03-01T10:00:00.000Z',
    update_time: updated,
    disputed_transactions: [{ seller_transaction_id: capture, seller: { merchant_id: 'SHOP1' } }],
    reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
    status: 'OPEN',
    dispute_amount: { currency_code: 'USD', value: '100.00' },
    dispute_life_cycle_stage: stage,
    dispute_channel: 'INTERNAL',
    seller_response_due_date: '2026-03-21T10:00:00.000Z',
    ...extra,
  },
});

describe('PayPal disputes', () => {
  it('INQUIRY on a case stays open with bank_inquiry; CHARGEBACK closes it; RESOLVED records the outcome; older updates change nothing', async () => {
    const capture = `CAP-${Math.random().toString(36).slice(2, 8)}`;
    const c = await w.openCase({ provider: 'paypal', providerPaymentId: capture });
    await ok(postPayPal(paypalDispute('CUSTOMER.DISPUTE.CREATED', 'PP-D-A', capture, 'INQUIRY', '2026-03-01T10:00:00.000Z')));
    const asked = await getCase(c.id);
    expect(asked.status).toBe('merchant_response_needed');
    expect(asked.timeline.at(-1)).toMatchObject({
      type: 'bank_inquiry',
      data: { stage: 'inquiry', respondBy: '2026-03-21T10:00:00.000Z', amount: 10000 },
    });
    await ok(postPayPal(paypalDispute('CUSTOMER.DISPUTE.UPDATED', 'PP-D-A', capture, 'CHARGEBACK', '2026-03-05T10:00:00.000Z')));
    expect((await getCase(c.id)).status).toBe('chargeback_filed');
    // Delivered late: the inquiry's own update, older than the chargeback.
    const late = await ok(postPayPal(paypalDispute('CUSTOMER.DISPUTE.UPDATED', 'PP-D-A', capture, 'INQUIRY', '2026-03-03T10:00:00.000Z')));
    expect(late.handled).toBe(false);
    await ok(
      postPayPal(
        paypalDispute('CUSTOMER.DISPUTE.RESOLVED', 'PP-D-A', capture, 'PRE_ARBITRATION', '2026-03-09T10:00:00.000Z', {
          status: 'RESOLVED',
          dispute_outcome: { outcome_code: 'RESOLVED_SELLER_FAVOUR' },
        }),
      ),
    );
    expect((await disputesOf(c.payment.id))[0]).toMatchObject({ source: 'paypal', stage: 'pre_arbitration', status: 'won' });
    expect(paypal.problems).toEqual([]);
  });

  it('maps ARBITRATION, the buyer’s favour and a cancelled inquiry', async () => {
    const cases: [string, object, { stage: string; status: string }][] = [
      ['ARBITRATION', {}, { stage: 'arbitration', status: 'open' }],
      [
        'CHARGEBACK',
        { status: 'RESOLVED', dispute_outcome: { outcome_code: 'RESOLVED_BUYER_FAVOUR' } },
        { stage: 'chargeback', status: 'lost' },
      ],
      ['INQUIRY', { status: 'RESOLVED', dispute_outcome: { outcome_code: 'CANCELED_BY_BUYER' } }, { stage: 'inquiry', status: 'closed' }],
    ];
    for (const [stage, extra, want] of cases) {
      const capture = `CAP-${Math.random().toString(36).slice(2, 8)}`;
      const p = await w.payment({ provider: 'paypal', providerPaymentId: capture });
      await ok(postPayPal(paypalDispute('CUSTOMER.DISPUTE.UPDATED', `PP-${capture}`, capture, stage, '2026-03-01T11:00:00.000Z', extra)));
      expect((await disputesOf(p))[0], stage).toMatchObject(want);
    }
  });
});

// ---------------------------------------------------------------- actions

/** An alert from the platform (a network's), on a fresh payment unless one is given. */
async function alert(over: Record<string, unknown> = {}, paymentId?: string) {
  const p = paymentId ?? (await w.payment());
  const id = `ethoca-${Math.random().toString(36).slice(2, 10)}`;
  const d = await ok(
    t.api('PUT', `/api/v1/platform/disputes/${id}`, {
      token: w.platform,
      body: {
        paymentId: p,
        stage: 'inquiry',
        network: 'ethoca',
        alertKind: 'ethoca_alert',
        respondBy: '2026-03-09T09:00:00.000Z',
        ...over,
      },
    }),
  );
  return { p, d, externalId: id };
}

describe('refund and dismiss', () => {
  it('refunds the full remaining amount from an alert exactly once, through Stripe’s 503s; a second refund is 409', async () => {
    const p = await w.payment({ status: 'partially_refunded', refundedAmount: 2500 });
    const { d } = await alert({}, p);
    expect(d).toMatchObject({ stage: 'inquiry', status: 'open', amount: 10000, currency: 'USD', caseId: null, changed: true });
    const unavailable = { status: 503, body: { error: { type: 'api_error', message: 'Try again.' } } };
    stripe.failNext(unavailable, unavailable);
    const before = stripe.refunds.length;
    const refunded = await ok(act(d.id, { type: 'refund', message: 'Sorry about that.' }));
    expect(refunded).toMatchObject({ status: 'refunded', refund: { state: 'pending', amount: 7500 }, availableActions: [] });
    const again = await act(d.id, { type: 'refund' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('action_not_allowed');
    for (let i = 0; i < 4; i++) await w.advance('PT2M');
    expect(stripe.refunds.slice(before)).toHaveLength(1);
    expect(stripe.refunds[before]).toMatchObject({ amount: 7500, key: `rc-dispute-refund-${d.id}`, target: `pi_${p}` });
    expect(stripe.calls.map((c) => c.status)).toEqual([503, 503, 200]);
    expect(new Set(stripe.calls.map((c) => c.headers['idempotency-key']))).toEqual(new Set([`rc-dispute-refund-${d.id}`]));
    const after = await payment(p);
    expect(after).toMatchObject({ refundedAmount: 10000, remaining: 0, status: 'refunded' });
    expect((await ok(t.api('GET', `/api/v1/disputes/${d.id}`, { token: w.tokens.merchant }))).refund).toMatchObject({
      state: 'succeeded',
      amount: 7500,
    });
    // The platform's repeated report changes nothing, and a refund now is still refused.
    expect((await act(d.id, { type: 'refund' })).status).toBe(409);
  });

  it('moves no money when nothing is left of the payment', async () => {
    const p = await w.payment({ status: 'refunded', refundedAmount: 10000 });
    const { d } = await alert({}, p);
    expect(await ok(act(d.id, { type: 'refund' }))).toMatchObject({ status: 'refunded', refund: { state: 'nothing_left', amount: 0 } });
    await w.advance('PT1M');
    expect(stripe.calls).toHaveLength(0);
  });

  it('dismisses without money; only the merchant’s members and staff act; a chargeback cannot be refunded here', async () => {
    const { d } = await alert();
    expect((await act(d.id, { type: 'dismiss' }, w.tokens.otherMerchant)).status).toBe(404);
    expect((await act(d.id, { type: 'dismiss' }, w.tokens.otherCustomer)).status).toBe(404);
    const customer = await act(d.id, { type: 'refund' }, w.tokens.customer);
    expect(customer.status).toBe(403);
    expect(customer.body.code).toBe('forbidden');
    expect((await t.api('GET', `/api/v1/merchants/shop/disputes`, { token: w.tokens.otherMerchant })).status).toBe(404);
    expect(await ok(act(d.id, { type: 'dismiss' }, w.tokens.staff))).toMatchObject({ status: 'closed', refund: null });
    expect((await act(d.id, { type: 'dismiss' })).body.code).toBe('action_not_allowed');
    const cb = await alert({ stage: 'chargeback' });
    expect((await act(cb.d.id, { type: 'refund' })).body.code).toBe('action_not_allowed');
    await w.advance('PT1M');
    expect(stripe.calls).toHaveLength(0);
  });

  it('refunding a case’s inquiry accepts the case for the merchant; the case’s own accept answers its open inquiries', async () => {
    const c = await w.openCase();
    const { d } = await alert({}, c.payment.id);
    expect(d.caseId).toBe(c.id);
    await ok(w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'It was delivered.' }));
    const r = await ok(act(d.id, { type: 'refund', message: 'Refunding to stop the chargeback.' }));
    expect(r).toMatchObject({ status: 'refunded', refund: null, caseId: c.id });
    const won = await getCase(c.id);
    expect(won.status).toBe('customer_won');
    expect(won.timeline.at(-1)).toMatchObject({
      type: 'accepted',
      actor: { kind: 'merchant', name: 'Mia Merchant' },
      message: 'Refunding to stop the chargeback.',
      data: { reason: 'merchant_accepted', disputeId: d.id },
    });
    await w.advance('PT1M');
    expect(stripe.refunds.filter((x) => x.target === `pi_${c.payment.id}`)).toEqual([
      expect.objectContaining({ amount: 10000, key: `rc-refund-${c.id}` }),
    ]);

    const c2 = await w.openCase();
    const two = await alert({}, c2.payment.id);
    await ok(w.act(w.tokens.merchant, c2.id, { type: 'accept' }));
    expect((await disputesOf(c2.payment.id))[0]).toMatchObject({ id: two.d.id, status: 'refunded' });
    await w.advance('PT1M');
  });
});

// ---------------------------------------------------------------- automation

describe('merchant settings', () => {
  it('are read by members and staff, written by members only; others see no merchant', async () => {
    expect(await ok(t.api('GET', '/api/v1/merchants/shop2/settings', { token: w.tokens.otherMerchant }))).toEqual({
      autoRefund: { card: {}, paypal: {}, message: null },
      alertAutoRefund: {},
    });
    expect((await t.api('GET', '/api/v1/merchants/shop2/settings', { token: w.tokens.merchant })).status).toBe(404);
    expect((await settings({ alertAutoRefund: { USD: 100 } }, w.tokens.staff)).status).toBe(403);
    expect((await settings({ alertAutoRefund: { usd: 100 } })).status).toBe(400);
  });

  it('accepts a new case strictly below the threshold at once, as the merchant’s rule, and says so; at the threshold it does not', async () => {
    await ok(settings({ autoRefund: { card: { USD: 5000 }, paypal: { USD: 2000 }, message: 'No questions asked under $50.' } }));
    expect((await ok(t.api('GET', '/api/v1/merchants/shop/settings', { token: w.tokens.staff }))).autoRefund.card).toEqual({ USD: 5000 });
    const before = stripe.refunds.length;
    const small = await w.openCase({ amount: 4999 });
    expect(small.status).toBe('customer_won');
    const accepted = small.timeline.find((e: any) => e.type === 'accepted');
    expect(accepted).toMatchObject({
      actor: { kind: 'system' },
      message: 'No questions asked under $50.',
      data: { rule: 'auto_refund', reason: 'merchant_accepted' },
    });
    expect(small.outcome).toMatchObject({ kind: 'refund', amount: 4999, execution: 'pending' });
    // "Below" compares what is left of the payment.
    const partly = await w.openCase({ amount: 6000, status: 'partially_refunded', refundedAmount: 1500 });
    expect(partly.status).toBe('customer_won');
    const exact = await w.openCase({ amount: 5000 });
    expect(exact.status).toBe('merchant_response_needed');
    const paypalCase = await w.openCase({ amount: 4999, provider: 'paypal', providerPaymentId: `CAP-AUTO-${Date.now()}` });
    expect(paypalCase.status).toBe('merchant_response_needed');
    const eur = await w.openCase({ amount: 100, currency: 'EUR' });
    expect(eur.status).toBe('merchant_response_needed');
    await w.advance('PT1M');
    expect(
      stripe.refunds
        .slice(before)
        .map((r) => r.amount)
        .sort(),
    ).toEqual([4500, 4999]);
    // The merchant's mail says which rule acted.
    const mail = await ok(t.api('GET', '/api/v1/dev/mailbox?limit=100', { token: w.tokens.merchant }));
    const toMerchant = mail.data.filter((m: any) => m.caseId === small.id);
    expect(
      toMerchant.some((m: any) => /accepted automatically \(your auto-refund rule/.test(m.text)),
      JSON.stringify(toMerchant),
    ).toBe(true);
    await ok(settings({}));
  });

  it('refunds an inquiry below the alert threshold at once; one at the threshold waits for the merchant', async () => {
    await ok(settings({ alertAutoRefund: { USD: 3000 } }));
    const before = stripe.refunds.length;
    const small = await alert({}, await w.payment({ amount: 2999 }));
    const auto = await ok(t.api('GET', `/api/v1/disputes/${small.d.id}`, { token: w.tokens.merchant }));
    expect(auto).toMatchObject({ status: 'refunded', rule: 'alert_auto_refund', refund: { state: 'pending', amount: 2999 } });
    const exact = await alert({}, await w.payment({ amount: 3000 }));
    expect(exact.d.status).toBe('open');
    // On a case, the rule accepts the case and the timeline names it.
    const c = await w.openCase({ amount: 1000 });
    await alert({ stage: 'early_warning' }, c.payment.id);
    const after = await getCase(c.id);
    expect(after.status).toBe('customer_won');
    expect(types(after)).toEqual(['created', 'bank_inquiry', 'accepted']);
    expect(after.timeline.at(-1)).toMatchObject({ actor: { kind: 'system' }, data: { rule: 'alert_auto_refund' } });
    await w.advance('PT1M');
    expect(
      stripe.refunds
        .slice(before)
        .map((r) => r.amount)
        .sort(),
    ).toEqual([1000, 2999]);
    await ok(settings({}));
  });
});

// ---------------------------------------------------------------- webhooks and lists

describe('webhooks and lists', () => {
  it('sends dispute.created and dispute.updated with the dispute and its case id', async () => {
    hooks.length = 0;
    const c = await w.openCase();
    const { d } = await alert({}, c.payment.id);
    await ok(act(d.id, { type: 'dismiss' }));
    await w.advance('PT1M');
    const mine = hooks.filter((h) => h.data?.dispute?.id === d.id);
    expect(mine.map((h) => [h.type, h.data.dispute.status, h.data.caseId])).toEqual([
      ['dispute.created', 'open', c.id],
      ['dispute.updated', 'closed', c.id],
    ]);
  });

  it('the platform lists by payment, stage and status, cursor-paginated; a repeated alert changes nothing', async () => {
    const p = await w.payment();
    const a = await alert({}, p);
    await alert({ stage: 'early_warning' }, p);
    await alert({ stage: 'chargeback' }, p);
    const repeat = await ok(
      t.api('PUT', `/api/v1/platform/disputes/${a.externalId}`, {
        token: w.platform,
        body: { paymentId: p, stage: 'inquiry', network: 'ethoca', alertKind: 'ethoca_alert', respondBy: '2026-03-09T09:00:00.000Z' },
      }),
    );
    expect(repeat).toMatchObject({ id: a.d.id, changed: false });
    const first = await ok(t.api('GET', `/api/v1/platform/disputes?paymentId=${p}&limit=2`, { token: w.platform }));
    expect(first.data).toHaveLength(2);
    const second = await ok(
      t.api('GET', `/api/v1/platform/disputes?paymentId=${p}&limit=2&cursor=${first.nextCursor}`, { token: w.platform }),
    );
    expect(second.data).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.data, ...second.data].map((x: any) => x.stage))).toEqual(new Set(['inquiry', 'early_warning', 'chargeback']));
    const chargebacks = await ok(
      t.api('GET', `/api/v1/platform/disputes?paymentId=${p}&stage=chargeback&status=open`, { token: w.platform }),
    );
    expect(chargebacks.data.map((x: any) => x.stage)).toEqual(['chargeback']);
    expect((await t.api('GET', '/api/v1/platform/disputes', { token: w.tokens.merchant })).status).toBe(403);
  });
});
