/**
 * Chargeback evidence (SPEC §13) against a fake Stripe and a fake PayPal that check the
 * request shapes: a chargeback on a payment with a case stages the merchant's response
 * from the case (Stripe: the case file uploaded, the dispute updated with submit=false),
 * the merchant reads and edits it and sends it once (Stripe submit=true; PayPal
 * provide-evidence as multipart with the case file), through provider failures.
 */
import { PDFParse } from 'pdf-parse';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakePayPal } from './support/fake-providers.js';
import { startApp } from './support/harness.js';
import { DAY, useWorld } from './support/world.js';

const WEBHOOK_SECRET = 'whsec_chargeback_evidence';
// The real time as base (Stripe's signature tolerance); the movable offset still applies.
const { t, w, stripe, paypal } = useWorld({
  stripe: true,
  paypal: true,
  realTime: true,
  env: ({ stripe }) => ({ STRIPE_FILES_BASE: stripe.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }),
});
beforeEach(() => {
  stripe.reset();
  paypal.reset();
});

const ok = async <T = any>(p: Promise<{ status: number; body: T }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const now = async () => Date.parse((await ok(t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform }))).now);
const disputesOf = async (caseId: string, token = w.tokens.merchant) =>
  (await ok(t.api('GET', `/api/v1/cases/${caseId}/disputes`, { token }))).data;
const submit = (disputeId: string, body: Record<string, unknown> = {}, token = w.tokens.merchant) =>
  t.api('POST', `/api/v1/disputes/${disputeId}/actions`, { token, body: { type: 'submit_evidence', ...body } });

/** A case the merchant denied, with the platform's record of the buyer's access. */
async function deniedCase(payment: { provider: string; providerPaymentId: string }) {
  const paidAt = new Date((await now()) - DAY).toISOString();
  const c = await w.openCase({ ...payment, paidAt });
  for (const [id, type, description] of [
    ['ev_access', 'access_granted', 'Access to the course granted'],
    ['ev_login', 'login', 'Signed in to the course player'],
  ])
    await ok(
      t.api('PUT', `/api/v1/platform/payments/${c.payment.id}/evidence/${id}`, {
        token: w.platform,
        body: { type, occurredAt: paidAt, ip: '203.0.113.9', description },
      }),
    );
  await ok(w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'The course was delivered and watched to the end.' }));
  return c;
}

async function stripeChargeback(dispute: string, paymentIntent: string, dueInDays = 7) {
  const payload = JSON.stringify({
    id: `evt_${dispute}`,
    object: 'event',
    type: 'charge.dispute.created',
    api_version: '2025-01-01',
    created: Math.floor((await now()) / 1000),
    livemode: false,
    data: {
      object: {
        id: dispute,
        object: 'dispute',
        amount: 10000,
        currency: 'usd',
        charge: `ch_for_${paymentIntent}`,
        payment_intent: paymentIntent,
        reason: 'product_not_received',
        status: 'needs_response',
        evidence_details: { due_by: Math.floor((await now()) / 1000) + dueInDays * 86_400, has_evidence: false, submission_count: 0 },
      },
    },
  });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) });
  return ok(
    t.api('POST', '/api/v1/providers/stripe/webhook', {
      raw: payload,
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
    }),
  );
}

async function pdfText(bytes: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

describe('a Stripe chargeback on a payment with a case', () => {
  it('stages the case as the response, lets the merchant edit it, and submits it once through failures', async () => {
    const c = await deniedCase({ provider: 'stripe', providerPaymentId: 'pi_cb_stage' });
    await stripeChargeback('dp_cb_stage', 'pi_cb_stage');
    expect((await ok(t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.merchant }))).status).toBe('chargeback_filed');
    const [pending] = await disputesOf(c.id);
    expect(pending).toMatchObject({ source: 'stripe', externalId: 'dp_cb_stage', stage: 'chargeback', evidence: null });
    // Before the worker ran, there is nothing to send.
    expect((await submit(pending.id)).body).toMatchObject({ status: 409, code: 'evidence_not_staged' });

    await w.advance('PT1S');
    expect(stripe.problems).toEqual([]);
    expect(stripe.files).toHaveLength(1);
    const [file] = stripe.files;
    expect(file).toMatchObject({ purpose: 'dispute_evidence', type: 'application/pdf', filename: `case-file-${c.id}.pdf` });
    const text = await pdfText(file!.bytes);
    expect(text).toContain(c.id);
    expect(text).toContain('The course was delivered and watched to the end.');
    expect(stripe.disputeUpdates).toEqual([
      expect.objectContaining({ disputeId: 'dp_cb_stage', submit: false, key: `rc-evidence-stage-${pending.id}` }),
    ]);
    const staged = stripe.disputeUpdates[0]!.fields;
    expect(staged.customer_communication).toBe(file!.id);
    expect(staged.refund_refusal_explanation).toBe('The course was delivered and watched to the end.');
    expect(staged.access_activity_log).toMatch(/access granted from 203\.0\.113\.9: Access to the course granted/);
    expect(staged.access_activity_log).toMatch(/login from 203\.0\.113\.9: Signed in to the course player/);
    expect(staged.uncategorized_text).toContain(c.id);
    expect(staged.uncategorized_text).toContain('It never arrived in my library.');

    const [dispute] = await disputesOf(c.id);
    expect(dispute.evidence).toMatchObject({ staged: { fields: staged }, submitRequestedAt: null, submittedAt: null });
    // The customer sees the dispute, not the merchant's response; others see nothing.
    expect((await disputesOf(c.id, w.tokens.customer))[0]).toMatchObject({ id: dispute.id, evidence: null });
    expect((await t.api('GET', `/api/v1/cases/${c.id}/disputes`, { token: w.tokens.otherMerchant })).status).toBe(404);
    expect((await t.api('GET', `/api/v1/disputes/${dispute.id}`, { token: w.tokens.customer })).status).toBe(404);
    expect((await submit(dispute.id, {}, w.tokens.otherMerchant)).status).toBe(404);
    expect((await submit(dispute.id, {}, w.tokens.staff)).body).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await submit(dispute.id, { fields: { uncategorized_text: 'x'.repeat(20_001) } })).body).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });

    // The merchant edits the summary and sends; Stripe is down for the first try.
    stripe.failEvidence(503);
    const sent = await ok(submit(dispute.id, { fields: { uncategorized_text: 'The buyer watched every lesson.' } }));
    expect(sent.evidence.submitRequestedAt).not.toBeNull();
    expect((await submit(dispute.id)).body).toMatchObject({ status: 409, code: 'action_not_allowed' });
    await w.advance('PT1S');
    expect((await ok(t.api('GET', `/api/v1/disputes/${dispute.id}`, { token: w.tokens.merchant }))).evidence.submittedAt).toBeNull();
    await w.advance('PT2M');
    const done = await ok(t.api('GET', `/api/v1/disputes/${dispute.id}`, { token: w.tokens.staff }));
    expect(done.evidence.submittedAt).not.toBeNull();
    const submitted = stripe.disputeUpdates.filter((u) => u.submit);
    expect(submitted).toEqual([expect.objectContaining({ disputeId: 'dp_cb_stage', key: `rc-evidence-submit-${dispute.id}` })]);
    expect(submitted[0]!.fields).toEqual({ ...staged, uncategorized_text: 'The buyer watched every lesson.' });
    // One file, one staging, one submission, whatever was retried.
    expect(stripe.files).toHaveLength(1);
    expect(stripe.disputeUpdates).toHaveLength(2);
    expect(stripe.problems).toEqual([]);
    await w.advance('PT10M');
    expect(stripe.disputeUpdates).toHaveLength(2);
  });

  it('refuses an answer after the bank’s deadline', async () => {
    const c = await deniedCase({ provider: 'stripe', providerPaymentId: 'pi_cb_late' });
    await stripeChargeback('dp_cb_late', 'pi_cb_late', 2);
    await w.advance('PT1S');
    const [d] = await disputesOf(c.id);
    expect(d.evidence.staged).not.toBeNull();
    expect(Date.parse(d.respondBy)).toBeGreaterThan(await now());
    await w.advance('P3D');
    expect((await submit(d.id)).body).toMatchObject({ status: 409, code: 'evidence_deadline_passed' });
    await w.advance('PT5M');
    expect(stripe.disputeUpdates.filter((u) => u.submit)).toEqual([]);
  });

  it('prepares nothing for a chargeback the platform reports (no provider dispute to answer)', async () => {
    const c = await deniedCase({ provider: 'stripe', providerPaymentId: 'pi_cb_platform' });
    await ok(t.api('POST', `/api/v1/platform/payments/${c.payment.id}/chargeback`, { token: w.platform }));
    await w.advance('PT1S');
    const [d] = await disputesOf(c.id);
    expect(d).toMatchObject({ source: 'platform', stage: 'chargeback', evidence: null });
    expect(stripe.files).toEqual([]);
    expect(stripe.disputeUpdates).toEqual([]);
  });
});

describe('a PayPal chargeback on a payment with a case', () => {
  it('keeps the response here until the merchant sends it, then provides it as multipart with the case file', async () => {
    const c = await deniedCase({ provider: 'paypal', providerPaymentId: 'CAPTURE-CB-1' });
    const event = {
      id: 'WH-CB-1',
      event_type: 'CUSTOMER.DISPUTE.CREATED',
      resource: {
        dispute_id: 'PP-D-CB-1',
        create_time: new Date(await now()).toISOString(),
        reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
        status: 'WAITING_FOR_SELLER_RESPONSE',
        dispute_life_cycle_stage: 'CHARGEBACK',
        dispute_amount: { currency_code: 'USD', value: '100.00' },
        seller_response_due_date: new Date((await now()) + 10 * DAY).toISOString(),
        disputed_transactions: [{ seller_transaction_id: 'CAPTURE-CB-1' }],
      },
    };
    await ok(
      t.api('POST', '/api/v1/providers/paypal/webhook', {
        raw: JSON.stringify(event),
        headers: { 'content-type': 'application/json', ...FakePayPal.sign(event) },
      }),
    );
    await w.advance('PT1S');
    const [d] = await disputesOf(c.id);
    expect(d).toMatchObject({ source: 'paypal', externalId: 'PP-D-CB-1', stage: 'chargeback' });
    expect(d.evidence.staged.fields).toMatchObject({
      customer_communication: `case-file-${c.id}.pdf`,
      refund_refusal_explanation: 'The course was delivered and watched to the end.',
    });
    // PayPal has no staging: nothing reached it yet.
    expect(paypal.evidence).toEqual([]);

    await ok(submit(d.id));
    await w.advance('PT1S');
    expect(paypal.problems).toEqual([]);
    expect(paypal.evidence).toHaveLength(1);
    const [sent] = paypal.evidence;
    expect(sent).toMatchObject({ disputeId: 'PP-D-CB-1', key: `rc-evidence-submit-${d.id}`, fields: { evidence_type: 'OTHER' } });
    expect(sent!.fields.notes).toContain('The course was delivered and watched to the end.');
    expect(sent!.file).toMatchObject({ filename: `case-file-${c.id}.pdf`, type: 'application/pdf' });
    expect(await pdfText(sent!.file!.bytes)).toContain(c.id);
    expect((await ok(t.api('GET', `/api/v1/disputes/${d.id}`, { token: w.tokens.merchant }))).evidence.submittedAt).not.toBeNull();
  });
});

describe('the demo seed', () => {
  it('has a chargeback whose answer is staged for the merchant to send', async () => {
    const demo = await startApp({ DEMO_SEED: '1' });
    try {
      await demo.app.services.jobs.runDue();
      const row = await demo.app.services.db.selectFrom('cases').select('id').where('payment_id', '=', 'pay_c2').executeTakeFirstOrThrow();
      const login = await demo.api('POST', '/api/v1/session', { body: { email: 'eli@beatcraft.example', password: 'demo-password' } });
      const [d] = (await demo.api('GET', `/api/v1/cases/${row.id}/disputes`, { token: login.body.token })).body.data;
      expect(d).toMatchObject({ source: 'paypal', stage: 'chargeback', evidence: { submittedAt: null } });
      expect(d.evidence.staged.fields.access_activity_log).toMatch(/download from 198\.51\.100\.23/);
      expect(d.evidence.staged.fields.refund_refusal_explanation).toMatch(/bought from your account/);
    } finally {
      await demo.close();
    }
  });
});
