/**
 * SPEC §16: the customer's context beside a case (staff only), and saved replies with
 * variables (CRUD, who may use them, values escaped in HTML mail).
 */
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/domain/money.js';
import { fillReply, replyValues } from '../src/domain/saved-replies.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const ok = async (p: Promise<{ status: number; body: any }>, status = 200) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
};

describe('who is this customer (GET /cases/{id}/context)', () => {
  it('gives staff the customer’s history across merchants and the merchant’s record', async () => {
    // At shop: a denied case that went to a chargeback, and an accepted one; at shop2: a withdrawn one.
    const denied = await w.openCase();
    await ok(w.act(w.tokens.merchant, denied.id, { type: 'deny', message: 'It was delivered.' }));
    await ok(t.api('POST', `/api/v1/platform/payments/${denied.payment.id}/chargeback`, { token: w.platform }));
    await w.advance('PT1M');
    const won = await w.openCase();
    await ok(w.act(w.tokens.merchant, won.id, { type: 'accept' }));
    await w.advance('PT1M');
    const elsewhere = await w.openCase({ merchantId: 'shop2' });
    await ok(w.act(w.tokens.customer, elsewhere.id, { type: 'withdraw' }));
    await w.payment();
    await w.advance('PT1M');
    const current = await w.openCase();
    const c = await ok(t.api('GET', `/api/v1/cases/${current.id}/context`, { token: w.tokens.staff }));
    expect(c.customer).toMatchObject({
      id: 'cust',
      name: 'Cora Customer',
      cases: { total: 4, won: 1, lost: 0, withdrawn: 1, chargebacks: 1, chargebacksAfterDenial: 1 },
      payments: { total: 5, withCases: 4 },
    });
    expect(c.customer.recent.map((r: { caseId: string }) => r.caseId)).toEqual([current.id, elsewhere.id, won.id, denied.id]);
    expect(c.customer.recent[1]).toMatchObject({ merchant: { id: 'shop2', name: 'Shop Two' }, status: 'customer_withdrew' });
    expect(c.merchant).toMatchObject({ id: 'shop', name: 'Shop One' });
    // shop: 4 payments in 90 days (denied, won, the quiet one, current), 3 cases, 1 chargeback, 1 of 2 closed won by the customer.
    expect([c.merchant.disputeRate, c.merchant.chargebackRate, c.merchant.lostShare]).toEqual([0.75, 0.25, 0.5]);
    expect(Object.keys(c).sort()).toEqual(['customer', 'merchant']);
  });

  it('is staff’s only', async () => {
    const c = await w.openCase();
    for (const token of [w.tokens.customer, w.tokens.merchant, w.tokens.otherMerchant, w.tokens.otherCustomer])
      expect((await t.api('GET', `/api/v1/cases/${c.id}/context`, { token })).status).toBe(403);
    expect((await t.api('GET', `/api/v1/cases/${c.id}/context`)).status).toBe(401);
    expect((await t.api('GET', '/api/v1/cases/case_nosuchcase/context', { token: w.tokens.staff })).status).toBe(404);
  });
});

describe('saved replies', () => {
  it('a merchant creates, lists, changes and deletes its own', async () => {
    const base = '/api/v1/merchants/shop/saved-replies';
    const made = await ok(t.api('POST', base, { token: w.tokens.merchant, body: { title: 'Thanks', body: 'Hi {{customer.name}}' } }), 201);
    expect(made).toEqual({ id: expect.any(String), title: 'Thanks', body: 'Hi {{customer.name}}' });
    expect((await ok(t.api('GET', base, { token: w.tokens.merchant }))).data).toEqual([made]);
    const changed = await ok(t.api('PATCH', `${base}/${made.id}`, { token: w.tokens.merchant, body: { body: 'Hello {{customer.name}}' } }));
    expect(changed).toEqual({ ...made, body: 'Hello {{customer.name}}' });
    // Staff may read a merchant's replies; other merchants and customers hear 404.
    expect((await ok(t.api('GET', base, { token: w.tokens.staff }))).data).toEqual([changed]);
    for (const token of [w.tokens.otherMerchant, w.tokens.customer]) {
      expect((await t.api('GET', base, { token })).status).toBe(404);
      expect((await t.api('PATCH', `${base}/${made.id}`, { token, body: { title: 'x' } })).status).toBe(404);
    }
    // Another merchant's path does not reach this reply.
    expect((await t.api('DELETE', `/api/v1/merchants/shop2/saved-replies/${made.id}`, { token: w.tokens.otherMerchant })).status).toBe(404);
    expect((await t.api('POST', base, { token: w.tokens.merchant, body: { title: ' ', body: 'x' } })).status).toBe(400);
    expect((await t.api('DELETE', `${base}/${made.id}`, { token: w.tokens.merchant })).status).toBe(204);
    expect((await ok(t.api('GET', base, { token: w.tokens.merchant }))).data).toEqual([]);
    expect((await t.api('DELETE', `${base}/${made.id}`, { token: w.tokens.merchant })).status).toBe(404);
  });

  it('staff keep their own, which merchants and customers never reach', async () => {
    const base = '/api/v1/staff/saved-replies';
    const made = await ok(
      t.api('POST', base, { token: w.tokens.staff, body: { title: 'Review', body: 'We are reviewing {{merchant.name}}.' } }),
      201,
    );
    expect((await ok(t.api('GET', base, { token: w.tokens.staff2 }))).data).toEqual([made]);
    expect((await ok(t.api('PATCH', `${base}/${made.id}`, { token: w.tokens.staff2, body: { title: 'Under review' } }))).title).toBe(
      'Under review',
    );
    for (const token of [w.tokens.merchant, w.tokens.customer]) {
      expect((await t.api('GET', base, { token })).status).toBe(403);
      expect((await t.api('POST', base, { token, body: { title: 'x', body: 'y' } })).status).toBe(403);
    }
    // A merchant's list never holds staff's replies.
    expect((await ok(t.api('GET', '/api/v1/merchants/shop/saved-replies', { token: w.tokens.merchant }))).data).toEqual([]);
    expect((await t.api('DELETE', `${base}/${made.id}`, { token: w.tokens.staff })).status).toBe(204);
  });

  it('fills the variables, and HTML mail escapes their values', async () => {
    const name = '<img src=x onerror=alert(1)> & "Eve"';
    await ok(
      t.api('PUT', '/api/v1/platform/users/eve', {
        token: w.platform,
        body: { email: 'eve@test.example', name, password: 'correct horse battery' },
      }),
    );
    const token = (await ok(t.api('POST', '/api/v1/session', { body: { email: 'eve@test.example', password: 'correct horse battery' } })))
      .token;
    const paymentId = await w.payment({ customerId: 'eve', amount: 123456, currency: 'USD' });
    const opened = await ok(
      t.api('POST', '/api/v1/cases', {
        token,
        body: { paymentId, issueType: 'item_not_received', description: 'It never arrived at all.' },
      }),
      201,
    );
    const reply = await ok(
      t.api('POST', '/api/v1/merchants/shop/saved-replies', {
        token: w.tokens.merchant,
        body: {
          title: 'Refund',
          body: 'Dear {{customer.name}}, {{merchant.name}} refunds {{payment.amount}} by {{case.dueAt}}. {{unknown}}',
        },
      }),
      201,
    );
    const view = await ok(t.api('GET', `/api/v1/cases/${opened.id}`, { token: w.tokens.merchant }));
    const text = fillReply(reply.body, replyValues(view));
    expect(text).toBe(`Dear ${name}, Shop One refunds ${formatMoney(123456, 'USD')} by ${view.dueAt}. {{unknown}}`);
    await ok(w.act(w.tokens.merchant, opened.id, { type: 'respond', message: text }));
    await w.advance('PT1S');
    const mails = (await ok(t.api('GET', '/api/v1/platform/dev/mailbox?to=eve@test.example', { token: w.platform }))).data as {
      subject: string;
      html: string;
      text: string;
    }[];
    const mail = mails.find((m) => m.text.includes('Shop One refunds'));
    expect(mail, JSON.stringify(mails.map((m) => m.subject))).toBeDefined();
    expect(mail!.html).not.toContain('<img src=x');
    expect(mail!.html).toContain('&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Eve&#34;');
    expect(mail!.text).toContain(name);
  });
});
