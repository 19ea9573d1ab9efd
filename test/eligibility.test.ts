/** SPEC §2: who may open a case, rule by rule, as POST /cases answers and GET /orders explains. */
import { describe, expect, it } from 'vitest';
import { T0 } from './support/harness.js';
import { DAY, useWorld } from './support/world.js';

const { t, w } = useWorld();

const open = (paymentId: string, token = w.tokens.customer) =>
  t.api('POST', '/api/v1/cases', { token, body: { paymentId, issueType: 'other', description: 'Something is wrong here.' } });

async function reasonInOrders(paymentId: string, token = w.tokens.customer) {
  const orders = (await t.api('GET', '/api/v1/orders', { token })).body.data;
  return orders.find((o: any) => o.id === paymentId)?.eligibility;
}

describe('eligibility', () => {
  it('1. another customer’s payment is not found, and not listed', async () => {
    const id = await w.payment();
    const r = await open(id, w.tokens.otherCustomer);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('not_found');
    expect(await reasonInOrders(id, w.tokens.otherCustomer)).toBeUndefined();
    expect((await open('pay_does_not_exist')).status).toBe(404);
  });

  it.each(['crypto', 'coinbase_commerce'])('2. %s payments are irreversible', async (provider) => {
    const id = await w.payment({ provider });
    expect(await reasonInOrders(id)).toEqual({ eligible: false, reason: 'payment_method_ineligible' });
    const r = await open(id);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('payment_method_ineligible');
  });

  it('3. a fully refunded payment cannot have a case; a partially refunded one can', async () => {
    const refunded = await w.payment({ status: 'refunded' });
    expect((await open(refunded)).body.code).toBe('payment_refunded');
    expect(await reasonInOrders(refunded)).toEqual({ eligible: false, reason: 'payment_refunded' });
    const partial = await w.payment({ status: 'partially_refunded', refundedAmount: 4000 });
    expect(await reasonInOrders(partial)).toEqual({ eligible: true, reason: null });
    expect((await open(partial)).status).toBe(201);
  });

  it('4. one case per payment, ever', async () => {
    const c = await w.openCase();
    expect((await open(c.payment.id)).body.code).toBe('case_already_exists');
    await w.act(w.tokens.customer, c.id, { type: 'withdraw' });
    const again = await open(c.payment.id);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('case_already_exists');
    const order = (await t.api('GET', '/api/v1/orders', { token: w.tokens.customer })).body.data.find((o: any) => o.id === c.payment.id);
    expect(order).toMatchObject({ caseId: c.id, eligibility: { eligible: false, reason: 'case_already_exists' } });
  });

  it('5. the filing window: 180 days to the minute', async () => {
    const inside = await w.payment({ paidAt: new Date(T0 - 180 * DAY + 60_000).toISOString() });
    const outside = await w.payment({ paidAt: new Date(T0 - 180 * DAY - 60_000).toISOString() });
    expect(await reasonInOrders(outside)).toEqual({ eligible: false, reason: 'filing_window_passed' });
    expect((await open(outside)).body.code).toBe('filing_window_passed');
    expect((await open(inside)).status).toBe(201);
  });

  it('6. a member of the merchant cannot open a case on its payment', async () => {
    const id = await w.payment({ customerId: 'merch' });
    expect(await reasonInOrders(id, w.tokens.merchant)).toEqual({ eligible: false, reason: 'conflict_of_interest' });
    const r = await open(id, w.tokens.merchant);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('conflict_of_interest');
  });

  it('the first broken rule is the one named', async () => {
    const id = await w.payment({ provider: 'crypto', status: 'refunded', paidAt: new Date(T0 - 400 * DAY).toISOString() });
    expect((await open(id)).body.code).toBe('payment_method_ineligible');
  });

  it('orders list the payment with its merchant and no case', async () => {
    const id = await w.payment({ amount: 4500, currency: 'JPY', provider: 'paypal', productName: 'Presets' });
    const order = (await t.api('GET', '/api/v1/orders', { token: w.tokens.customer })).body.data.find((o: any) => o.id === id);
    expect(order).toMatchObject({
      amount: 4500,
      currency: 'JPY',
      provider: 'paypal',
      productName: 'Presets',
      refundedAmount: 0,
      merchant: { id: 'shop', name: 'Shop One' },
      eligibility: { eligible: true, reason: null },
      caseId: null,
    });
  });
});
