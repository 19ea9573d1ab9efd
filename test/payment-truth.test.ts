/**
 * Payment truth (SPEC §11) over HTTP against a fake Stripe that counts what it was asked
 * to refund: whatever the platform reports, no money this service moves takes refunds and
 * credits above what was paid, and synced payments under a case are protected.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { checkInvariants } from '../src/ops/invariants.js';
import { postgresUrl } from './support/harness.js';
import { useWorld } from './support/world.js';

const { t, w, stripe } = useWorld({ stripe: true });
beforeEach(() => stripe.reset());

const ok = async <T = any>(p: Promise<{ status: number; body: T }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const getCase = (id: string, token = w.tokens.staff) => ok(t.api('GET', `/api/v1/cases/${id}`, { token }));
const payment = (id: string) => ok(t.api('GET', `/api/v1/platform/payments/${id}`, { token: w.platform }));
const types = (c: { timeline: { type: string }[] }) => c.timeline.map((e) => e.type);
/** What the fake Stripe refunded for one payment, whatever the service believes. */
const refundedAtStripe = (providerPaymentId: string) =>
  stripe.refunds.filter((r) => r.target === providerPaymentId).reduce((n, r) => n + r.amount, 0);

/** The platform reports the payment's refunded total, the way it reports any payment. */
async function report(paymentId: string, refundedAmount: number, over: Record<string, unknown> = {}) {
  const p = await payment(paymentId);
  const status = refundedAmount === 0 ? 'succeeded' : refundedAmount >= p.amount ? 'refunded' : 'partially_refunded';
  const body = {
    customerId: p.customerId,
    merchantId: p.merchantId,
    amount: p.amount,
    currency: p.currency,
    provider: p.provider,
    providerPaymentId: p.providerPaymentId,
    status,
    refundedAmount,
    productName: p.productName,
    paidAt: p.paidAt,
    ...over,
  };
  return t.api('PUT', `/api/v1/platform/payments/${paymentId}`, { token: w.platform, body });
}

async function noProblems() {
  await w.advance('PT1S'); // the worker delivers what is due, so only real damage remains
  expect(await checkInvariants(t.app.services.db, t.app.services.clock.now())).toEqual([]);
}

/** A case escalated to staff by the merchant's silence. */
async function underReview(over: Record<string, unknown> = {}) {
  const c = await w.openCase(over);
  await w.advance('P7DT1M');
  expect((await getCase(c.id)).status).toBe('under_platform_review');
  return c;
}

describe('a refund elsewhere meets an open offer', () => {
  it('lapses an offer above what is left; the case goes back to the merchant, and no more than was paid goes back', async () => {
    const c = await w.openCase({ amount: 4999, providerPaymentId: 'pi_truth_offer' });
    await ok(w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 4000, message: 'Most of it back.' }));
    await ok(report(c.payment.id, 3000));

    const after = await getCase(c.id, w.tokens.customer);
    expect(after).toMatchObject({ status: 'merchant_response_needed', offer: null, turn: 'merchant' });
    const lapsed = after.timeline.at(-1);
    expect(lapsed).toMatchObject({
      type: 'offer_lapsed',
      data: { reason: 'payment_refunded_elsewhere', amount: 3000, refundedAmount: 3000 },
    });
    expect(after.dueAt).toBe(lapsed.data.dueAt);
    // Before: accept_offer refunded 4000 on top of the 3000 (7000 of 4999).
    const refused = await w.act(w.tokens.customer, c.id, { type: 'accept_offer' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('action_not_allowed');

    // The merchant may accept what is left: 1999, and nothing more.
    await ok(w.act(w.tokens.merchant, c.id, { type: 'accept' }));
    await w.advance('PT1M');
    expect(refundedAtStripe('pi_truth_offer')).toBe(1999);
    const p = await payment(c.payment.id);
    expect(p).toMatchObject({ refundedAmount: 4999, remaining: 0, overRefunded: false, status: 'refunded' });
    await noProblems();
  });

  it('keeps an offer that still fits, and tells both sides what was refunded', async () => {
    const c = await w.openCase({ amount: 10000 });
    await ok(w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: 4000, message: 'Part of it back.' }));
    await ok(report(c.payment.id, 5000));
    const after = await getCase(c.id, w.tokens.customer);
    expect(after).toMatchObject({ status: 'customer_response_needed', offer: { amount: 4000 } });
    expect(after.timeline.at(-1)).toMatchObject({ type: 'payment_refunded_elsewhere', data: { amount: 5000, refundedAmount: 5000 } });
    expect(after.timeline.at(-1).data.status).toBeUndefined();
  });
});

describe('a pending outcome meets a refund elsewhere', () => {
  it('executes only what is left when the appeal window closes (decided 10000, 6000 refunded elsewhere → 4000)', async () => {
    const c = await underReview({ providerPaymentId: 'pi_truth_decide' });
    await ok(w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'refund', message: 'The course was never delivered.' }));
    await ok(report(c.payment.id, 6000));
    await w.advance('P7DT1M');
    // Before: 10000 more was refunded (16000 on 10000).
    expect(refundedAtStripe('pi_truth_decide')).toBe(4000);
    const after = await getCase(c.id, w.tokens.customer);
    const done = after.timeline.find((e: any) => e.type === 'refund_succeeded');
    expect(done.data).toMatchObject({ amount: 4000, plannedAmount: 10000 });
    expect(after.outcome).toMatchObject({ kind: 'refund', amount: 4000, plannedAmount: 10000, execution: 'succeeded' });
    expect(await payment(c.payment.id)).toMatchObject({ refundedAmount: 10000, remaining: 0, overRefunded: false });
    await noProblems();
  });

  it('shrinks a credit the same way', async () => {
    const c = await underReview();
    await ok(w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'credit', message: 'A credit is fair.' }));
    await ok(report(c.payment.id, 2500));
    await w.advance('P7DT1M');
    const after = await getCase(c.id, w.tokens.customer);
    expect(after.timeline.find((e: any) => e.type === 'credit_issued').data).toMatchObject({ amount: 7500, plannedAmount: 10000 });
    expect(await payment(c.payment.id)).toMatchObject({ refundedAmount: 2500, creditedAmount: 7500, remaining: 0 });
    await noProblems();
  });

  it('cancels a decided refund when the payment is refunded in full elsewhere inside the window', async () => {
    const c = await underReview({ providerPaymentId: 'pi_truth_cancel' });
    await ok(w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'refund', message: 'Refund it.' }));
    await ok(report(c.payment.id, 10000));
    const after = await getCase(c.id, w.tokens.merchant);
    expect(after.timeline.at(-1)).toMatchObject({ type: 'remedy_cancelled', data: { reason: 'payment_refunded_elsewhere' } });
    expect(after).toMatchObject({ status: 'customer_won', final: true, outcome: { kind: 'refunded_elsewhere', execution: 'succeeded' } });
    expect(after.availableActions).not.toContain('appeal');
    await w.advance('P8D');
    expect(refundedAtStripe('pi_truth_cancel')).toBe(0);
    await noProblems();
  });

  it('cancels a final refund still waiting for the worker, so the worker calls no one', async () => {
    const c = await w.openCase({ providerPaymentId: 'pi_truth_queued' });
    await ok(w.act(w.tokens.merchant, c.id, { type: 'accept' }));
    await ok(report(c.payment.id, 10000));
    await w.advance('PT1M');
    expect(refundedAtStripe('pi_truth_queued')).toBe(0);
    expect(types(await getCase(c.id))).toContain('remedy_cancelled');
    await noProblems();
  });

  it('refunds only what is left when the worker runs after a partial refund elsewhere', async () => {
    const c = await w.openCase({ providerPaymentId: 'pi_truth_worker' });
    await ok(w.act(w.tokens.merchant, c.id, { type: 'accept' }));
    await ok(report(c.payment.id, 2500));
    await w.advance('PT1M');
    expect(refundedAtStripe('pi_truth_worker')).toBe(7500);
    expect(await payment(c.payment.id)).toMatchObject({ refundedAmount: 10000, remaining: 0 });
    await noProblems();
  });

  it('accept racing the platform’s full refund report never refunds a refunded payment', async () => {
    for (let i = 0; i < 6; i++) {
      const ppid = `pi_truth_race_${i}`;
      const c = await w.openCase({ providerPaymentId: ppid });
      const [accept, rep] = await Promise.all([w.act(w.tokens.merchant, c.id, { type: 'accept' }), report(c.payment.id, 10000)]);
      expect(rep.status).toBe(200);
      expect([200, 409]).toContain(accept.status);
      await w.advance('PT1M');
      expect(refundedAtStripe(ppid)).toBe(0);
      expect(await payment(c.payment.id)).toMatchObject({ refundedAmount: 10000, overRefunded: false });
    }
    await noProblems();
  });
});

describe('synced payments are protected', () => {
  it('refuses to change who, how much or which provider payment once a case exists; the same values are fine', async () => {
    const c = await w.openCase({ amount: 4999 });
    const before = await payment(c.payment.id);
    for (const [field, value] of [
      ['amount', 999999],
      ['customerId', 'cust2'],
      ['merchantId', 'shop2'],
      ['currency', 'EUR'],
      ['provider', 'paypal'],
      ['providerPaymentId', 'pi_someone_else'],
    ] as const) {
      const r = await report(c.payment.id, 0, { [field]: value });
      expect(r.status, field).toBe(409);
      expect(r.body.code).toBe('payment_locked');
      expect(r.body.detail).toContain(field);
    }
    expect(await payment(c.payment.id)).toEqual(before);
    expect((await report(c.payment.id, 0)).status).toBe(200);
    expect((await report(c.payment.id, 0, { productName: 'Renamed course' })).status).toBe(200);
  });

  it('refuses contradictions instead of rewriting them', async () => {
    const id = await w.payment({ amount: 5000 });
    const before = await payment(id);
    const cases: [Record<string, unknown>, string][] = [
      [{ status: 'refunded', refundedAmount: 100 }, 'refundedAmount'],
      [{ status: 'succeeded', refundedAmount: 5 }, 'refundedAmount'],
      [{ status: 'partially_refunded', refundedAmount: undefined }, 'refundedAmount'],
      [{ status: 'partially_refunded', refundedAmount: 5000 }, 'refundedAmount'],
      [{ status: 'refunded', refundedAmount: 6000 }, 'refundedAmount'],
      [{ paidAt: '2099-01-01T00:00:00.000Z' }, 'paidAt'],
    ];
    for (const [over, path] of cases) {
      const r = await report(id, 0, over);
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect(r.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path })] });
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const zzz = await report(id, 0, { currency: 'ZZZ' });
    expect(zzz.status).toBe(400);
    expect(zzz.body.code).toBe('invalid_currency');
    expect(await payment(id)).toEqual(before);
    // Refunded in full, omitting refundedAmount, means all of it.
    expect((await report(id, 0, { status: 'refunded', refundedAmount: undefined })).status).toBe(200);
    expect(await payment(id)).toMatchObject({ status: 'refunded', refundedAmount: 5000 });
  });

  it('keeps one payment per provider payment id, and refunds never go back down', async () => {
    await w.payment({ providerPaymentId: 'pi_truth_unique' });
    const other = await w.payment();
    const taken = await report(other, 0, { providerPaymentId: 'pi_truth_unique' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('provider_payment_id_taken');
    const fresh = await t.api('PUT', '/api/v1/platform/payments/pay_truth_dup', {
      token: w.platform,
      body: { ...(await payment(other)), providerPaymentId: 'pi_truth_unique' },
    });
    expect(fresh.status).toBe(409);
    expect((await t.api('GET', '/api/v1/platform/payments/pay_truth_dup', { token: w.platform })).status).toBe(404);
    expect((await report(other, 3000)).status).toBe(200);
    const down = await report(other, 1000);
    expect(down.status).toBe(409);
    expect(down.body.code).toBe('refund_cannot_decrease');
    expect((await payment(other)).refundedAmount).toBe(3000);
  });

  it('changes the payment and its case in one transaction: a case change that fails leaves the payment as it was', async () => {
    const c = await w.openCase();
    const db = t.app.services.db;
    // A fault injected into the case's half of the report, where a crash between two transactions used to be.
    if (postgresUrl()) {
      await sql`create function rc_fail_event() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`.execute(
        db,
      );
      await sql`create trigger rc_fail before insert on case_events for each row when (new.case_id = ${sql.lit(c.id)}) execute function rc_fail_event()`.execute(
        db,
      );
    } else {
      await sql`create trigger rc_fail before insert on case_events when new.case_id = ${sql.lit(c.id)} begin select raise(abort, 'injected fault'); end`.execute(
        db,
      );
    }
    try {
      const r = await report(c.payment.id, 10000);
      expect(r.status).toBe(500);
      expect(r.body.code).toBe('internal_error');
    } finally {
      await sql`drop trigger rc_fail${sql.raw(postgresUrl() ? ' on case_events' : '')}`.execute(db);
    }
    // Before: the payment said refunded while its case stayed open for good.
    expect(await payment(c.payment.id)).toMatchObject({ status: 'succeeded', refundedAmount: 0 });
    expect((await getCase(c.id)).status).toBe('merchant_response_needed');
    await ok(report(c.payment.id, 10000));
    expect((await getCase(c.id)).status).toBe('customer_won');
    await noProblems();
  });
});

describe('chargebacks are remembered', () => {
  it('records a chargeback on a payment without a case and refuses a case on it afterwards', async () => {
    const id = await w.payment();
    const r = await ok(t.api('POST', `/api/v1/platform/payments/${id}/chargeback`, { token: w.platform }));
    expect(r).toEqual({ caseId: null, disputeId: expect.stringMatching(/^dsp_/) });
    expect((await payment(id)).disputes).toEqual([
      expect.objectContaining({ id: r.disputeId, source: 'platform', stage: 'chargeback', status: 'open', amount: 10000, currency: 'USD' }),
    ]);
    // A repeat changes nothing.
    expect(await ok(t.api('POST', `/api/v1/platform/payments/${id}/chargeback`, { token: w.platform }))).toEqual(r);
    expect((await payment(id)).disputes).toHaveLength(1);

    const orders = await ok(t.api('GET', '/api/v1/orders', { token: w.tokens.customer }));
    expect(orders.data.find((o: any) => o.id === id).eligibility).toEqual({ eligible: false, reason: 'payment_disputed' });
    // Before: 201, and the customer could be refunded on top of the bank's chargeback.
    const open = await t.api('POST', '/api/v1/cases', {
      token: w.tokens.customer,
      body: { paymentId: id, issueType: 'item_not_received', description: 'It never arrived in my library.' },
    });
    expect(open.status).toBe(409);
    expect(open.body.code).toBe('payment_disputed');
  });

  it('cancels a decided refund inside its window, and the case is the bank’s', async () => {
    const c = await underReview({ providerPaymentId: 'pi_truth_cb' });
    await ok(w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'refund', message: 'Refund it.' }));
    await ok(t.api('POST', `/api/v1/platform/payments/${c.payment.id}/chargeback`, { token: w.platform }));
    const after = await getCase(c.id, w.tokens.customer);
    expect(types(after).slice(-2)).toEqual(['remedy_cancelled', 'chargeback_filed']);
    expect(after).toMatchObject({ status: 'chargeback_filed', final: true, outcome: { kind: 'none', amount: 0 } });
    await w.advance('P8D');
    expect(refundedAtStripe('pi_truth_cb')).toBe(0);
    await noProblems();
  });

  it('cancels a failed refund, which leaves the staff queue', async () => {
    const c = await w.openCase({ providerPaymentId: 'pi_truth_failed' });
    stripe.failNext({ status: 400, body: { error: { type: 'invalid_request_error', message: 'No such payment_intent' } } });
    await ok(w.act(w.tokens.merchant, c.id, { type: 'accept' }));
    await w.advance('PT1M');
    expect((await getCase(c.id)).outcome.execution).toBe('failed');
    const queued = async () =>
      (await ok(t.api('GET', '/api/v1/review-queue?limit=100', { token: w.tokens.staff }))).data.some((q: any) => q.id === c.id);
    expect(await queued()).toBe(true);
    await ok(t.api('POST', `/api/v1/platform/payments/${c.payment.id}/chargeback`, { token: w.platform }));
    const after = await getCase(c.id);
    expect(after).toMatchObject({ status: 'customer_won', final: true, outcome: { kind: 'none' } });
    expect(after.availableActions).not.toContain('retry_remedy');
    expect(await queued()).toBe(false);
  });
});

describe('read-back', () => {
  it('answers a payment with its case and disputes to the platform only', async () => {
    const c = await w.openCase({ amount: 2500, currency: 'EUR' });
    expect(await payment(c.payment.id)).toMatchObject({
      id: c.payment.id,
      customerId: 'cust',
      merchantId: 'shop',
      amount: 2500,
      currency: 'EUR',
      refundedAmount: 0,
      creditedAmount: 0,
      remaining: 2500,
      overRefunded: false,
      caseId: c.id,
      disputes: [],
    });
    expect((await t.api('GET', `/api/v1/platform/payments/${c.payment.id}`, { token: w.tokens.customer })).status).toBe(403);
    const missing = await t.api('GET', '/api/v1/platform/payments/nope', { token: w.platform });
    expect(missing.status).toBe(404);
  });

  it('flags money moved outside that takes a payment over its amount', async () => {
    const c = await underReview();
    await ok(w.act(w.tokens.staff, c.id, { type: 'decide', outcome: 'credit', message: 'A credit is fair.' }));
    await w.advance('P7DT1M');
    // After the credit, the merchant refunds at the provider as well: a fact, recorded and flagged.
    await ok(report(c.payment.id, 10000));
    expect(await payment(c.payment.id)).toMatchObject({ creditedAmount: 10000, refundedAmount: 10000, overRefunded: true, remaining: 0 });
    const problems = await checkInvariants(t.app.services.db, t.app.services.clock.now());
    expect(problems.join('\n')).toMatch(new RegExp(`payment ${c.payment.id}: over_refunded`));
    // Staff see it on their queue, with why, and can keep to that kind alone.
    const queue = await ok(t.api('GET', '/api/v1/review-queue?limit=100', { token: w.tokens.staff }));
    expect(queue.data.filter((q: any) => q.id === c.id)).toEqual([
      expect.objectContaining({ queueReason: 'over_refunded', reviewReason: 'over_refunded' }),
    ]);
    const only = await ok(t.api('GET', '/api/v1/review-queue?reason=over_refunded', { token: w.tokens.staff }));
    expect(only.data.map((q: any) => q.id)).toContain(c.id);
    expect(only.data.every((q: any) => q.queueReason === 'over_refunded')).toBe(true);
  });
});
