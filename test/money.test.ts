/**
 * Remedies through Stripe and PayPal, exactly once (SPEC §5, §10), against fake
 * provider servers on loopback; credits; Stripe's events.
 */
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { DROP, FakePayPal, FakeStripe } from './support/fake-providers.js';
import { useWorld } from './support/world.js';

const WEBHOOK_SECRET = 'whsec_test_resolution_center';

const { t, w, stripe, paypal } = useWorld({ stripe: true, paypal: true, env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
beforeEach(() => {
  stripe.reset();
  paypal.reset();
});

const get = async (caseId: string, token = w.tokens.customer) => {
  const r = await t.api('GET', `/api/v1/cases/${caseId}`, { token });
  expect(r.status).toBe(200);
  return r.body;
};
const types = (c: { timeline: { type: string }[] }) => c.timeline.map((e) => e.type);
const ofType = (c: { timeline: { type: string; data: any; message: string | null }[] }, type: string) =>
  c.timeline.filter((e) => e.type === type);
const ok = async (p: Promise<{ status: number; body: any }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const credits = () => ok(t.api('GET', '/api/v1/credits', { token: w.tokens.customer }));
const balance = async (currency: string) =>
  ((await credits()).balances as { currency: string; amount: number }[]).find((b) => b.currency === currency)?.amount ?? 0;

/** The merchant accepts: a full refund, final at once; the worker runs it on the next pass. */
async function acceptedCase(over: Record<string, unknown> = {}) {
  const c = await w.openCase(over);
  await ok(w.act(w.tokens.merchant, c.id, { type: 'accept' }));
  return c;
}

/** The merchant offers `amount`, the customer accepts: a partial refund, final at once. */
async function partialCase(amount: number, over: Record<string, unknown> = {}) {
  const c = await w.openCase(over);
  await ok(w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount, message: 'Part of it back.' }));
  await ok(w.act(w.tokens.customer, c.id, { type: 'accept_offer' }));
  return c;
}

describe('refunds through Stripe', () => {
  it('refunds a payment intent in full with the case’s idempotency key, once', async () => {
    const c = await acceptedCase({ providerPaymentId: 'pi_full_1' });
    expect((await get(c.id)).outcome).toMatchObject({ kind: 'refund', amount: 10000, execution: 'pending' });
    await w.advance('PT1S');
    expect(stripe.problems).toEqual([]);
    expect(stripe.calls).toHaveLength(1);
    const call = stripe.calls[0]!;
    expect(call.body).toEqual({ payment_intent: 'pi_full_1', amount: '10000' });
    expect(call.headers['idempotency-key']).toBe(`rc-refund-${c.id}`);
    expect(call.headers.authorization).toBe(`Bearer ${FakeStripe.SECRET_KEY}`);
    const after = await get(c.id, w.tokens.merchant);
    expect(after.outcome).toMatchObject({ kind: 'refund', amount: 10000, fundedBy: 'merchant', execution: 'succeeded' });
    expect(after.payment.refundedAmount).toBe(10000);
    const [done] = ofType(after, 'refund_succeeded');
    expect(done?.data).toMatchObject({ provider: 'stripe', refundId: stripe.refunds.at(-1)?.id, simulated: false, amount: 10000 });
    expect(done?.message).toBeNull();
    // Nothing is left to run: another pass calls no one.
    await w.advance('PT2M');
    expect(stripe.calls).toHaveLength(1);
  });

  it('does not call Stripe again when the worker stopped after recording, before finishing the row', async () => {
    const c = await acceptedCase({ providerPaymentId: 'pi_recorded_1' });
    await w.advance('PT1S');
    expect(stripe.calls).toHaveLength(1);
    // The state such a crash leaves: the success is recorded, the outbox row still pending.
    await t.app.services.db
      .updateTable('outbox')
      .set({ status: 'pending' })
      .where('kind', '=', 'remedy')
      .where('case_id', '=', c.id)
      .execute();
    await w.advance('PT2M'); // past the dead worker's lease
    expect(stripe.calls).toHaveLength(1);
    const row = await t.app.services.db
      .selectFrom('outbox')
      .select('status')
      .where('case_id', '=', c.id)
      .where('kind', '=', 'remedy')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
    expect(ofType(await get(c.id), 'refund_succeeded')).toHaveLength(1);
  });

  it('refunds part of a charge (ch_…) after an accepted offer', async () => {
    const c = await partialCase(2500, { providerPaymentId: 'ch_partial_1' });
    await w.advance('PT1S');
    expect(stripe.problems).toEqual([]);
    expect(stripe.calls.map((x) => x.body)).toEqual([{ charge: 'ch_partial_1', amount: '2500' }]);
    const after = await get(c.id);
    expect(after.outcome).toMatchObject({ kind: 'partial_refund', amount: 2500, execution: 'succeeded' });
    expect(after.payment.refundedAmount).toBe(2500);
  });

  it('sends zero-decimal amounts as they are (JPY)', async () => {
    await acceptedCase({ providerPaymentId: 'pi_jpy_1', amount: 1500, currency: 'JPY' });
    await w.advance('PT1S');
    expect(stripe.calls.map((x) => x.body)).toEqual([{ payment_intent: 'pi_jpy_1', amount: '1500' }]);
  });

  it('retries a 503 with backoff and the same key, and pays once', async () => {
    stripe.failNext(
      { status: 503, body: { error: { type: 'api_error', message: 'Service unavailable' } } },
      { status: 503, body: { error: { type: 'api_error', message: 'Service unavailable' } } },
    );
    const c = await acceptedCase({ providerPaymentId: 'pi_flaky_1' });
    await w.advance('PT1S');
    expect(stripe.calls).toHaveLength(1);
    expect((await get(c.id)).outcome.execution).toBe('pending');
    // The first backoff is 10 s ± 20 %: not yet after 5 s, surely after 12 s more.
    await w.advance('PT5S');
    expect(stripe.calls).toHaveLength(1);
    await w.advance('PT7S');
    expect(stripe.calls).toHaveLength(2);
    // The second is 20 s ± 20 %.
    await w.advance('PT24S');
    expect(stripe.calls.map((x) => x.status)).toEqual([503, 503, 200]);
    expect(new Set(stripe.calls.map((x) => x.headers['idempotency-key']))).toEqual(new Set([`rc-refund-${c.id}`]));
    expect(stripe.refunds.filter((r) => r.key === `rc-refund-${c.id}`)).toHaveLength(1);
    const after = await get(c.id);
    expect(ofType(after, 'refund_succeeded')).toHaveLength(1);
    expect(ofType(after, 'refund_failed')).toHaveLength(0);
    expect(after.payment.refundedAmount).toBe(10000);
  });

  it('retries a 503 whose body is not a Stripe error, instead of taking it for a refund', async () => {
    stripe.failNext({ status: 503, body: {} });
    const c = await acceptedCase({ providerPaymentId: 'pi_bare_503' });
    await w.advance('PT1S');
    expect((await get(c.id)).outcome.execution).toBe('pending');
    await w.advance('PT13S');
    expect(stripe.calls.map((x) => x.status)).toEqual([503, 200]);
    const after = await get(c.id);
    expect(after.outcome.execution).toBe('succeeded');
    expect(ofType(after, 'refund_succeeded')[0]?.data.refundId).toBe(stripe.refunds.find((r) => r.key === `rc-refund-${c.id}`)?.id);
  });

  it('retries dropped connections with the same key', async () => {
    // The SDK itself retries a closed connection once, even with its retries off; then ours back off.
    stripe.failNext({ status: DROP, body: null }, { status: DROP, body: null });
    const c = await acceptedCase({ providerPaymentId: 'pi_drop_1' });
    await w.advance('PT1S');
    expect(stripe.calls).toHaveLength(2);
    expect((await get(c.id)).outcome.execution).toBe('pending');
    await w.advance('PT13S');
    expect(stripe.calls.map((x) => [x.status, x.headers['idempotency-key']])).toEqual([
      [DROP, `rc-refund-${c.id}`],
      [DROP, `rc-refund-${c.id}`],
      [200, `rc-refund-${c.id}`],
    ]);
    expect((await get(c.id)).outcome.execution).toBe('succeeded');
  });

  it('puts a refused refund (400) on the staff queue, where a credit replaces it', async () => {
    stripe.failNext({
      status: 400,
      body: {
        error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: 'Charge ch_x has already been refunded.' },
      },
    });
    const before = await balance('USD');
    const c = await acceptedCase({ providerPaymentId: 'pi_refused_1' });
    await w.advance('PT1S');
    expect(stripe.calls).toHaveLength(1);
    const failed = await get(c.id, w.tokens.staff);
    expect(failed.outcome).toMatchObject({ kind: 'refund', execution: 'failed' });
    const [event] = ofType(failed, 'refund_failed');
    expect(event?.data).toMatchObject({ provider: 'stripe', amount: 10000 });
    expect(event?.data.error).toContain('charge_already_refunded');
    expect(failed.availableActions).toEqual(expect.arrayContaining(['retry_remedy', 'credit_instead']));
    expect(failed.payment.refundedAmount).toBe(0);
    // No retry of a permanent refusal, however long we wait.
    await w.advance('PT1H');
    expect(stripe.calls).toHaveLength(1);
    const queue = await ok(t.api('GET', '/api/v1/review-queue', { token: w.tokens.staff }));
    expect(queue.data.find((q: { id: string }) => q.id === c.id)).toMatchObject({ queueReason: 'remedy_failed' });
    // Parties cannot use the staff remedies.
    expect((await w.act(w.tokens.customer, c.id, { type: 'credit_instead', message: 'x' })).status).toBe(403);
    expect((await w.act(w.tokens.staff, c.id, { type: 'credit_instead' })).status).toBe(400);

    const credited = await ok(w.act(w.tokens.staff, c.id, { type: 'credit_instead', message: 'Stripe refused; crediting instead.' }));
    expect(credited.outcome).toMatchObject({ kind: 'credit', amount: 10000, fundedBy: 'platform', execution: 'succeeded' });
    expect(credited.availableActions).not.toContain('retry_remedy');
    expect(await balance('USD')).toBe(before + 10000);
    const mine = await credits();
    expect(mine.entries.filter((e: { caseId: string }) => e.caseId === c.id)).toEqual([
      expect.objectContaining({ caseId: c.id, amount: 10000, currency: 'USD' }),
    ]);
    // The merchant's side is untouched, and the case leaves the queue.
    expect((await get(c.id)).payment.refundedAmount).toBe(0);
    const queue2 = await ok(t.api('GET', '/api/v1/review-queue', { token: w.tokens.staff }));
    expect(queue2.data.some((q: { id: string }) => q.id === c.id)).toBe(false);
    await w.advance('PT1H');
    expect(stripe.calls).toHaveLength(1);
  });

  it('gives up after repeated outages and lets staff retry with the same key', async () => {
    const outage = { status: 500, body: { error: { type: 'api_error', message: 'Internal error' } } };
    stripe.failNext(outage, outage, outage, outage, outage, outage);
    const c = await acceptedCase({ providerPaymentId: 'pi_outage_1' });
    for (let i = 0; i < 6; i++) await w.advance('PT30M');
    expect(stripe.calls).toHaveLength(6);
    const failed = await get(c.id, w.tokens.staff);
    expect(failed.outcome.execution).toBe('failed');
    expect(ofType(failed, 'refund_failed')).toHaveLength(1);

    const retried = await ok(w.act(w.tokens.staff, c.id, { type: 'retry_remedy' }));
    expect(retried.outcome.execution).toBe('pending');
    await w.advance('PT1S');
    expect(stripe.calls).toHaveLength(7);
    expect(new Set(stripe.calls.map((x) => x.headers['idempotency-key']))).toEqual(new Set([`rc-refund-${c.id}`]));
    const after = await get(c.id);
    expect(types(after).slice(-3)).toEqual(['refund_failed', 'remedy_retried', 'refund_succeeded']);
    expect(after.payment.refundedAmount).toBe(10000);
  });
});

describe('refunds through PayPal', () => {
  it('refunds in full and in part with one cached token, JSON amounts and PayPal-Request-Id', async () => {
    const tokensBefore = paypal.tokenCalls;
    const full = await acceptedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-FULL-1' });
    const part = await partialCase(2550, { provider: 'paypal', providerPaymentId: 'CAPTURE-PART-1' });
    await w.advance('PT1S');
    expect(paypal.problems).toEqual([]);
    expect(paypal.calls.map((x) => [x.path, x.body])).toEqual([
      ['/v2/payments/captures/CAPTURE-FULL-1/refund', { amount: { value: '100.00', currency_code: 'USD' } }],
      ['/v2/payments/captures/CAPTURE-PART-1/refund', { amount: { value: '25.50', currency_code: 'USD' } }],
    ]);
    expect(paypal.calls.map((x) => x.headers['paypal-request-id'])).toEqual([`rc-refund-${full.id}`, `rc-refund-${part.id}`]);
    expect(paypal.calls.every((x) => /^Bearer A21AA_fake_\d+$/.test(x.headers.authorization ?? ''))).toBe(true);
    expect(paypal.tokenCalls - tokensBefore).toBeLessThanOrEqual(1);
    const a = await get(full.id);
    expect(a.outcome).toMatchObject({ kind: 'refund', execution: 'succeeded' });
    expect(a.payment.refundedAmount).toBe(10000);
    expect(ofType(a, 'refund_succeeded')[0]?.data).toMatchObject({ provider: 'paypal', simulated: false });
    const b = await get(part.id);
    expect(b.outcome).toMatchObject({ kind: 'partial_refund', amount: 2550, execution: 'succeeded' });
    expect(b.payment.refundedAmount).toBe(2550);
  });

  it('converts amounts by the currency’s exponent (JPY 0, KWD 3)', async () => {
    await acceptedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-JPY', amount: 1500, currency: 'JPY' });
    await partialCase(12345, { provider: 'paypal', providerPaymentId: 'CAPTURE-KWD', amount: 20000, currency: 'KWD' });
    await w.advance('PT1S');
    expect(paypal.problems).toEqual([]);
    expect(paypal.calls.map((x) => x.body)).toEqual([
      { amount: { value: '1500', currency_code: 'JPY' } },
      { amount: { value: '12.345', currency_code: 'KWD' } },
    ]);
    expect(paypal.refunds.slice(-2).map((r) => [r.amount, r.currency])).toEqual([
      [1500, 'JPY'],
      [12345, 'KWD'],
    ]);
  });

  it('renews the token when it expires, and after PayPal revokes it', async () => {
    const before = paypal.tokenCalls;
    await w.advance('PT10H');
    await acceptedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-TOKEN-1' });
    await w.advance('PT1S');
    expect(paypal.tokenCalls).toBe(before + 1);
    paypal.revokeTokens();
    const c = await acceptedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-TOKEN-2' });
    await w.advance('PT1S');
    // The 401 drops the token; the retry, after its backoff, fetches a new one.
    await w.advance('PT15S');
    expect(paypal.tokenCalls).toBe(before + 2);
    expect((await get(c.id)).outcome.execution).toBe('succeeded');
  });

  it('retries a 503 and a dropped connection with the same PayPal-Request-Id', async () => {
    paypal.failNext({ status: 503, body: { name: 'SERVICE_UNAVAILABLE' } }, { status: DROP, body: null });
    const c = await acceptedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-FLAKY-1' });
    await w.advance('PT1S');
    await w.advance('PT13S');
    await w.advance('PT25S');
    expect(paypal.calls.map((x) => [x.status, x.headers['paypal-request-id']])).toEqual([
      [503, `rc-refund-${c.id}`],
      [DROP, `rc-refund-${c.id}`],
      [200, `rc-refund-${c.id}`],
    ]);
    const after = await get(c.id);
    expect(ofType(after, 'refund_succeeded')).toHaveLength(1);
    expect(after.payment.refundedAmount).toBe(10000);
  });

  it('marks a refusal (422) failed, and a staff retry uses the same PayPal-Request-Id', async () => {
    paypal.failNext({
      status: 422,
      body: {
        name: 'UNPROCESSABLE_ENTITY',
        message: 'The requested action could not be performed.',
        details: [{ issue: 'REFUND_FAILED_INSUFFICIENT_FUNDS', description: 'Insufficient funds in the merchant account.' }],
      },
    });
    const c = await acceptedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-RETRY-1' });
    await w.advance('PT1S');
    const failed = await get(c.id, w.tokens.staff);
    expect(failed.outcome.execution).toBe('failed');
    expect(ofType(failed, 'refund_failed')[0]?.data.error).toContain('REFUND_FAILED_INSUFFICIENT_FUNDS');
    await ok(w.act(w.tokens.staff, c.id, { type: 'retry_remedy', message: 'The merchant topped up.' }));
    await w.advance('PT1S');
    expect(paypal.calls.map((x) => x.status)).toEqual([422, 200]);
    expect(paypal.calls.map((x) => x.headers['paypal-request-id'])).toEqual([`rc-refund-${c.id}`, `rc-refund-${c.id}`]);
    const after = await get(c.id);
    expect(after.outcome.execution).toBe('succeeded');
    expect(ofType(after, 'refund_succeeded')).toHaveLength(1);
  });
});

describe('credits', () => {
  it('credits the customer when a credit decision becomes final, with no provider call', async () => {
    const before = await balance('USD');
    const c = await w.openCase({ providerPaymentId: 'pi_credit_1' });
    await w.advance('P7DT1M'); // the silent merchant's case goes to staff
    await ok(w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'credit', amount: 4000, message: 'Platform goodwill.' }));
    await w.advance('P6D');
    expect(await balance('USD')).toBe(before);
    await w.advance('P1D'); // the appeal window closes
    const after = await get(c.id);
    expect(after.final).toBe(true);
    expect(after.outcome).toMatchObject({ kind: 'credit', amount: 4000, fundedBy: 'platform', execution: 'succeeded' });
    expect(types(after).slice(-2)).toEqual(['finalized', 'credit_issued']);
    expect(await balance('USD')).toBe(before + 4000);
    expect(after.payment.refundedAmount).toBe(0);
    expect(stripe.calls).toHaveLength(0);
    expect(paypal.calls).toHaveLength(0);
    // Another customer sees none of it.
    const other = await ok(t.api('GET', '/api/v1/credits', { token: w.tokens.otherCustomer }));
    expect(other.entries.some((e: { caseId: string }) => e.caseId === c.id)).toBe(false);
  });
});

describe('Stripe events', () => {
  async function post(event: unknown, sign: { secret?: string; ageSeconds?: number } = {}) {
    const payload = JSON.stringify(event);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: sign.secret ?? WEBHOOK_SECRET,
      // Stripe's tolerance is against the real time, whatever the service's movable clock says.
      timestamp: Math.floor(Date.now() / 1000) - (sign.ageSeconds ?? 0),
    });
    return t.api('POST', '/api/v1/providers/stripe/webhook', {
      raw: payload,
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
    });
  }
  let n = 0;
  const event = (type: string, object: Record<string, unknown>) => ({
    id: `evt_test_${++n}`,
    object: 'event',
    type,
    api_version: '2025-01-01',
    created: 1,
    livemode: false,
    data: { object },
  });
  const charge = (id: string, paymentIntent: string | null, refunded: number, amount = 10000) => ({
    id,
    object: 'charge',
    payment_intent: paymentIntent,
    amount,
    amount_refunded: refunded,
    refunded: refunded === amount,
    currency: 'usd',
  });

  it('refuses a bad signature, a stale one and a missing one, changing nothing', async () => {
    const c = await w.openCase({ providerPaymentId: 'pi_evt_bad' });
    const full = event('charge.refunded', charge('ch_evt_bad', 'pi_evt_bad', 10000));
    for (const r of [
      await post(full, { secret: 'whsec_wrong' }),
      await post(full, { ageSeconds: 600 }),
      await t.api('POST', '/api/v1/providers/stripe/webhook', {
        raw: JSON.stringify(full),
        headers: { 'content-type': 'application/json' },
      }),
    ]) {
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 400, code: 'invalid_signature' });
    }
    // A body altered after signing.
    const payload = JSON.stringify(full);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: WEBHOOK_SECRET,
      timestamp: Math.floor(Date.now() / 1000),
    });
    const tampered = await t.api('POST', '/api/v1/providers/stripe/webhook', {
      raw: payload.replace('10000', '10001'),
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
    });
    expect(tampered.body).toMatchObject({ code: 'invalid_signature' });
    const after = await get(c.id);
    expect(after.status).toBe('merchant_response_needed');
    expect(after.version).toBe(c.version);
    expect(after.payment.refundedAmount).toBe(0);
  });

  it('acknowledges an unknown event type or payment without effect', async () => {
    expect((await post(event('customer.created', { id: 'cus_1', object: 'customer' }))).body).toEqual({
      received: true,
      handled: false,
      caseId: null,
    });
    expect((await post(event('charge.refunded', charge('ch_unknown', 'pi_unknown', 10000)))).body).toMatchObject({ handled: false });
    const malformed = await post(event('charge.refunded', { id: 'ch_x', object: 'charge' }));
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_event');
  });

  it('maps a full charge.refunded to refunded elsewhere, closing the case; a partial one only updates the payment', async () => {
    const c = await w.openCase({ providerPaymentId: 'pi_evt_full' });
    const partial = await post(event('charge.refunded', charge('ch_evt_full', 'pi_evt_full', 3000)));
    expect(partial.body).toEqual({ received: true, handled: true, caseId: c.id });
    const half = await get(c.id);
    expect(half.status).toBe('merchant_response_needed');
    expect(half.payment.refundedAmount).toBe(3000);

    expect((await post(event('charge.refunded', charge('ch_evt_full', 'pi_evt_full', 10000)))).body).toMatchObject({ handled: true });
    const closed = await get(c.id);
    expect(closed.status).toBe('customer_won');
    expect(closed.final).toBe(true);
    expect(closed.outcome).toMatchObject({ kind: 'refunded_elsewhere', amount: 10000, execution: 'succeeded' });
    expect(closed.payment.refundedAmount).toBe(10000);
    // Stripe delivers at least once: a repeat changes nothing.
    expect((await post(event('charge.refunded', charge('ch_evt_full', 'pi_evt_full', 10000)))).body).toMatchObject({ handled: false });
    expect((await get(c.id)).version).toBe(closed.version);
  });

  it('maps charge.dispute.created (found by charge id) to a chargeback that closes the case', async () => {
    const c = await w.openCase({ providerPaymentId: 'ch_evt_dispute' });
    const r = await post(
      event('charge.dispute.created', {
        id: 'dp_1',
        object: 'dispute',
        charge: 'ch_evt_dispute',
        payment_intent: null,
        status: 'needs_response',
      }),
    );
    expect(r.body).toEqual({ received: true, handled: true, caseId: c.id });
    const after = await get(c.id);
    expect(after.status).toBe('chargeback_filed');
    expect(after.final).toBe(true);
  });

  it('takes a failed refund off the staff queue once the payment is refunded in Stripe', async () => {
    stripe.failNext({
      status: 402,
      body: { error: { type: 'invalid_request_error', code: 'balance_insufficient', message: 'Insufficient funds.' } },
    });
    const c = await acceptedCase({ providerPaymentId: 'pi_evt_failed' });
    await w.advance('PT1S');
    expect((await get(c.id)).outcome.execution).toBe('failed');
    expect((await post(event('charge.refunded', charge('ch_evt_failed', 'pi_evt_failed', 10000)))).body).toMatchObject({ handled: true });
    const after = await get(c.id, w.tokens.staff);
    expect(after.outcome).toMatchObject({ kind: 'refunded_elsewhere', amount: 10000, execution: 'succeeded' });
    expect(after.payment.refundedAmount).toBe(10000);
    expect(after.availableActions).not.toContain('credit_instead');
    const queue = await ok(t.api('GET', '/api/v1/review-queue', { token: w.tokens.staff }));
    expect(queue.data.some((q: { id: string }) => q.id === c.id)).toBe(false);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await ok(t.api('GET', '/api/v1/openapi.json'));
    expect(Object.keys(doc.paths)).toContain('/api/v1/providers/stripe/webhook');
  });

  it('recognises the echo of its own refund, before and after recording it', async () => {
    const c = await partialCase(2500, { providerPaymentId: 'pi_evt_echo' });
    // Stripe's event can arrive before the worker records the refund…
    expect((await post(event('charge.refunded', charge('ch_evt_echo', 'pi_evt_echo', 2500)))).body).toMatchObject({ handled: false });
    await w.advance('PT1S');
    expect((await get(c.id)).payment.refundedAmount).toBe(2500);
    // …or after.
    expect((await post(event('charge.refunded', charge('ch_evt_echo', 'pi_evt_echo', 2500)))).body).toMatchObject({ handled: false });
    // A later refund made in Stripe's dashboard is counted once.
    expect((await post(event('charge.refunded', charge('ch_evt_echo', 'pi_evt_echo', 4000)))).body).toMatchObject({ handled: true });
    expect((await get(c.id)).payment.refundedAmount).toBe(4000);
  });
});

describe('PayPal events', () => {
  const post = (event: unknown, headers: Record<string, string> = FakePayPal.sign(event), raw = JSON.stringify(event)) =>
    t.api('POST', '/api/v1/providers/paypal/webhook', { raw, headers: { 'content-type': 'application/json', ...headers } });
  let n = 0;
  const refunded = (captureId: string, total: string, currency = 'USD') => ({
    id: `WH-TEST-${++n}`,
    event_version: '1.0',
    resource_type: 'refund',
    event_type: 'PAYMENT.CAPTURE.REFUNDED',
    resource: {
      id: `REFUND-${n}`,
      status: 'COMPLETED',
      seller_payable_breakdown: { total_refunded_amount: { value: total, currency_code: currency } },
      links: [
        { rel: 'self', href: `https://api.paypal.com/v2/payments/refunds/REFUND-${n}`, method: 'GET' },
        { rel: 'up', href: `https://api.paypal.com/v2/payments/captures/${captureId}`, method: 'GET' },
      ],
    },
  });

  it('refuses an event PayPal does not confirm, or without its headers, changing nothing', async () => {
    const c = await w.openCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-EVT-BAD' });
    const event = refunded('CAPTURE-EVT-BAD', '100.00');
    const signed = FakePayPal.sign(event);
    const tampered = await post(event, signed, JSON.stringify(refunded('CAPTURE-EVT-BAD', '100.00')));
    expect(tampered.status).toBe(400);
    expect(tampered.body.code).toBe('invalid_signature');
    const otherHook = await post(event, FakePayPal.sign(event, { webhookId: 'WH-SOMEONE-ELSE' }));
    expect(otherHook.body.code).toBe('invalid_signature');
    const bare = await post(event, {});
    expect(bare.body).toMatchObject({ status: 400, code: 'invalid_signature' });
    const after = await get(c.id);
    expect(after.status).toBe('merchant_response_needed');
    expect(after.version).toBe(c.version);
    expect(after.payment.refundedAmount).toBe(0);
    expect(paypal.problems).toEqual([]);
  });

  it('maps PAYMENT.CAPTURE.REFUNDED by its capture: partial updates the payment, full closes the case', async () => {
    const c = await w.openCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-EVT-1', amount: 20000, currency: 'KWD' });
    expect((await post(refunded('CAPTURE-EVT-1', '5.5', 'KWD'))).body).toEqual({ received: true, handled: true, caseId: c.id });
    expect((await get(c.id)).payment.refundedAmount).toBe(5500);
    expect((await post(refunded('CAPTURE-EVT-1', '20.000', 'KWD'))).body).toMatchObject({ handled: true });
    const closed = await get(c.id);
    expect(closed.status).toBe('customer_won');
    expect(closed.outcome).toMatchObject({ kind: 'refunded_elsewhere', amount: 20000 });
    expect(paypal.problems).toEqual([]);
  });

  it('maps CUSTOMER.DISPUTE.CREATED to a chargeback, and acknowledges other types', async () => {
    const c = await w.openCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-EVT-2' });
    const dispute = {
      id: 'WH-TEST-DISPUTE',
      event_type: 'CUSTOMER.DISPUTE.CREATED',
      resource: {
        dispute_id: 'PP-D-1',
        dispute_life_cycle_stage: 'CHARGEBACK',
        reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
        disputed_transactions: [{ seller_transaction_id: 'CAPTURE-EVT-2' }],
      },
    };
    expect((await post(dispute)).body).toEqual({ received: true, handled: true, caseId: c.id });
    expect((await get(c.id)).status).toBe('chargeback_filed');
    const other = { id: 'WH-TEST-OTHER', event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: {} };
    expect((await post(other)).body).toEqual({ received: true, handled: false, caseId: null });
  });
});
