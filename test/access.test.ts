/**
 * Access control for every API route: each kind of caller gets the status the
 * rules say. The table must cover every route the server has: adding a route
 * without an entry here fails the test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

let caseId: string;
let freshPayment: string;
let attachmentId: string;
/** Fresh alerts, one per caller of the dispute action (a dismissed alert cannot be dismissed again). */
const alerts: string[] = [];
/** Saved replies to change and delete, one per call (a deleted reply cannot be deleted again). */
const merchantReplies: string[] = [];
const staffReplies: string[] = [];
// Provider event routes are live only when configured; configure them so the matrix covers them.
const { t, w } = useWorld({
  env: {
    STRIPE_WEBHOOK_SECRET: 'whsec_matrix',
    PAYPAL_WEBHOOK_ID: 'WH-MATRIX',
    PAYPAL_CLIENT_ID: 'client',
    PAYPAL_CLIENT_SECRET: 'secret',
    PAYPAL_API_BASE: 'http://127.0.0.1:9',
  },
});
beforeAll(async () => {
  const upload = await t.api('POST', '/api/v1/uploads', { token: w.tokens.customer, ...multipart() });
  expect(upload.status).toBe(201);
  attachmentId = upload.body.id;
  const paymentId = await w.payment();
  const opened = await t.api('POST', '/api/v1/cases', {
    token: w.tokens.customer,
    body: { paymentId, issueType: 'other', description: 'With a receipt attached.', attachmentIds: [attachmentId] },
  });
  caseId = opened.body.id;
  for (let i = 0; i < 16; i++) {
    const r = await t.api('PUT', `/api/v1/platform/disputes/alert_matrix_${i}`, {
      token: w.platform,
      body: { paymentId: await w.payment(), stage: 'inquiry' },
    });
    alerts.push(r.body.id);
  }
  for (let i = 0; i < 24; i++) {
    const reply = { title: `Reply ${i}`, body: 'Hello {{customer.name}}' };
    merchantReplies.push((await t.api('POST', '/api/v1/merchants/shop/saved-replies', { token: w.tokens.merchant, body: reply })).body.id);
    staffReplies.push((await t.api('POST', '/api/v1/staff/saved-replies', { token: w.tokens.staff, body: reply })).body.id);
  }
});

/** A one-file multipart body (a small text receipt). */
function multipart() {
  const boundary = 'matrixboundary';
  const raw = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="receipt.txt"\r\nContent-Type: text/plain\r\n\r\nPaid 10 USD\r\n--${boundary}--\r\n`;
  return { raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

type Person = 'customer' | 'otherCustomer' | 'merchant' | 'otherMerchant' | 'staff';
type Caller = Person | 'platform' | 'nobody';
const CALLERS: Caller[] = ['customer', 'otherCustomer', 'merchant', 'otherMerchant', 'staff', 'platform', 'nobody'];
/** The platform key with `RC-On-Behalf-Of` (SPEC §14): each acts with exactly that person's rights. */
const ON_BEHALF: Record<Person, string> = {
  customer: 'cust',
  otherCustomer: 'cust2',
  merchant: 'merch',
  otherMerchant: 'merch2',
  staff: 'staff1',
};
type Acting = `platformAs:${Person}`;
const ACTING = Object.keys(ON_BEHALF).map((p) => `platformAs:${p}` as Acting);

interface Entry {
  method: string;
  url: string;
  path: () => string;
  body?: () => unknown;
  raw?: () => { raw: string; headers: Record<string, string> };
  expect: Record<Caller, number>;
  /** Not called with RC-On-Behalf-Of (a login: more tries would only meet the per-account limit). */
  notActing?: true;
}

const platformOnly = (ok: number): Record<Caller, number> => ({
  customer: 403,
  otherCustomer: 403,
  merchant: 403,
  otherMerchant: 403,
  staff: 403,
  platform: ok,
  nobody: 401,
});
const anyPerson = (ok: number): Record<Caller, number> => ({
  customer: ok,
  otherCustomer: ok,
  merchant: ok,
  otherMerchant: ok,
  staff: ok,
  platform: 403,
  nobody: 401,
});
const partiesAndStaff = (ok: number): Record<Caller, number> => ({
  customer: ok,
  otherCustomer: 404,
  merchant: ok,
  otherMerchant: 404,
  staff: ok,
  platform: 403,
  nobody: 401,
});

const staffOnly = (ok: number): Record<Caller, number> => ({
  customer: 403,
  otherCustomer: 403,
  merchant: 403,
  otherMerchant: 403,
  staff: ok,
  platform: 403,
  nobody: 401,
});
const membersAndStaff = (ok: number): Record<Caller, number> => ({
  customer: 404,
  otherCustomer: 404,
  merchant: ok,
  otherMerchant: 404,
  staff: ok,
  platform: 403,
  nobody: 401,
});

const user = { email: 'x@test.example', name: 'X' };

const TABLE: Entry[] = [
  {
    method: 'PUT',
    url: '/api/v1/platform/users/:id',
    path: () => '/api/v1/platform/users/u_matrix',
    body: () => user,
    expect: platformOnly(200),
  },
  { method: 'GET', url: '/api/v1/platform/users/:id', path: () => '/api/v1/platform/users/u_matrix', expect: platformOnly(200) },
  {
    method: 'DELETE',
    url: '/api/v1/platform/users/:id',
    // Who may erase, on one that does not exist: the matrix's people stay.
    path: () => '/api/v1/platform/users/u_none',
    expect: platformOnly(404),
  },
  {
    method: 'PUT',
    url: '/api/v1/platform/merchants/:id',
    path: () => '/api/v1/platform/merchants/m_matrix',
    body: () => ({ name: 'M', supportEmail: 'm@test.example', memberIds: [] }),
    expect: platformOnly(200),
  },
  {
    method: 'PUT',
    url: '/api/v1/platform/payments/:id',
    path: () => '/api/v1/platform/payments/p_matrix',
    body: () => ({
      customerId: 'cust',
      merchantId: 'shop',
      amount: 100,
      currency: 'USD',
      provider: 'stripe',
      providerPaymentId: 'pi_m',
      status: 'succeeded',
      productName: 'P',
      paidAt: '2026-03-01T00:00:00Z',
    }),
    expect: platformOnly(200),
  },
  { method: 'GET', url: '/api/v1/platform/payments/:id', path: () => '/api/v1/platform/payments/p_matrix', expect: platformOnly(200) },
  {
    method: 'POST',
    url: '/api/v1/platform/payments/:id/chargeback',
    path: () => '/api/v1/platform/payments/p_matrix/chargeback',
    expect: platformOnly(200),
  },
  {
    method: 'POST',
    url: '/api/v1/platform/login-links',
    path: () => '/api/v1/platform/login-links',
    body: () => ({ userId: 'cust' }),
    expect: platformOnly(201),
  },
  {
    method: 'DELETE',
    url: '/api/v1/platform/users/:id/sessions',
    path: () => '/api/v1/platform/users/u_matrix/sessions',
    expect: platformOnly(204),
  },
  { method: 'GET', url: '/api/v1/platform/cases', path: () => '/api/v1/platform/cases', expect: platformOnly(200) },
  { method: 'GET', url: '/api/v1/platform/cases/:id', path: () => `/api/v1/platform/cases/${caseId}`, expect: platformOnly(200) },
  { method: 'GET', url: '/api/v1/platform/dev/clock', path: () => '/api/v1/platform/dev/clock', expect: platformOnly(200) },
  {
    method: 'POST',
    url: '/api/v1/platform/dev/clock',
    path: () => '/api/v1/platform/dev/clock',
    body: () => ({ advance: 'PT1S' }),
    expect: platformOnly(200),
  },
  {
    method: 'POST',
    url: '/api/v1/session',
    path: () => '/api/v1/session',
    body: () => ({ email: 'nobody@test.example', password: 'wrong' }),
    notActing: true,
    expect: { customer: 401, otherCustomer: 401, merchant: 401, otherMerchant: 401, staff: 401, platform: 401, nobody: 401 },
  },
  { method: 'GET', url: '/api/v1/me', path: () => '/api/v1/me', expect: anyPerson(200) },
  { method: 'GET', url: '/api/v1/orders', path: () => '/api/v1/orders', expect: anyPerson(200) },
  { method: 'GET', url: '/api/v1/credits', path: () => '/api/v1/credits', expect: anyPerson(200) },
  { method: 'GET', url: '/api/v1/cases', path: () => '/api/v1/cases', expect: anyPerson(200) },
  {
    method: 'POST',
    url: '/api/v1/cases',
    path: () => '/api/v1/cases',
    body: () => ({ paymentId: freshPayment, issueType: 'other', description: 'Who may open this one?' }),
    expect: { customer: 201, otherCustomer: 404, merchant: 404, otherMerchant: 404, staff: 404, platform: 403, nobody: 401 },
  },
  { method: 'GET', url: '/api/v1/cases/:id', path: () => `/api/v1/cases/${caseId}`, expect: partiesAndStaff(200) },
  {
    method: 'POST',
    url: '/api/v1/cases/:id/actions',
    path: () => `/api/v1/cases/${caseId}/actions`,
    body: () => ({ type: 'respond', message: 'Checking who may write here.' }),
    expect: partiesAndStaff(200),
  },
  {
    method: 'GET',
    url: '/api/v1/review-queue',
    path: () => '/api/v1/review-queue',
    expect: { customer: 403, otherCustomer: 403, merchant: 403, otherMerchant: 403, staff: 200, platform: 403, nobody: 401 },
  },
  {
    method: 'GET',
    url: '/api/v1/dev/demo-users',
    path: () => '/api/v1/dev/demo-users',
    // The demo seed is off in tests: the list does not exist.
    expect: { customer: 404, otherCustomer: 404, merchant: 404, otherMerchant: 404, staff: 404, platform: 404, nobody: 404 },
  },
  { method: 'GET', url: '/api/v1/dev/clock', path: () => '/api/v1/dev/clock', expect: anyPerson(200) },
  {
    method: 'POST',
    url: '/api/v1/dev/clock',
    path: () => '/api/v1/dev/clock',
    body: () => ({ advance: 'PT1S' }),
    expect: anyPerson(200),
  },
  {
    method: 'GET',
    url: '/api/v1/merchants/:id/insights',
    path: () => '/api/v1/merchants/shop/insights',
    expect: { customer: 404, otherCustomer: 404, merchant: 200, otherMerchant: 404, staff: 200, platform: 403, nobody: 401 },
  },
  {
    method: 'PUT',
    url: '/api/v1/platform/webhook-endpoints/:id',
    path: () => '/api/v1/platform/webhook-endpoints/wh_matrix',
    body: () => ({ url: 'http://127.0.0.1:9/hook', secret: 'matrix-secret-0123456789', events: ['case.created'], enabled: false }),
    expect: platformOnly(200),
  },
  { method: 'GET', url: '/api/v1/platform/webhook-endpoints', path: () => '/api/v1/platform/webhook-endpoints', expect: platformOnly(200) },
  {
    method: 'GET',
    url: '/api/v1/platform/webhook-endpoints/:id',
    path: () => '/api/v1/platform/webhook-endpoints/wh_matrix',
    expect: platformOnly(200),
  },
  {
    method: 'POST',
    url: '/api/v1/platform/webhook-endpoints/:id/rotate-secret',
    path: () => '/api/v1/platform/webhook-endpoints/wh_matrix/rotate-secret',
    body: () => ({ secret: 'matrix-secret-rotated-0123', overlap: 'PT1H' }),
    expect: platformOnly(200),
  },
  {
    method: 'POST',
    url: '/api/v1/platform/webhook-endpoints/:id/test',
    path: () => '/api/v1/platform/webhook-endpoints/wh_matrix/test',
    expect: platformOnly(202),
  },
  {
    method: 'DELETE',
    url: '/api/v1/platform/webhook-endpoints/:id',
    // Who may delete, on one that does not exist: the matrix keeps its endpoint for the rows after.
    path: () => '/api/v1/platform/webhook-endpoints/wh_none',
    expect: platformOnly(404),
  },
  {
    method: 'POST',
    url: '/api/v1/platform/webhook-deliveries/:id/retry',
    path: () => '/api/v1/platform/webhook-deliveries/999999/retry',
    expect: platformOnly(404),
  },
  { method: 'GET', url: '/api/v1/platform/events', path: () => '/api/v1/platform/events', expect: platformOnly(200) },
  {
    method: 'GET',
    url: '/api/v1/platform/webhook-endpoints/:id/deliveries',
    path: () => '/api/v1/platform/webhook-endpoints/wh_matrix/deliveries',
    expect: platformOnly(200),
  },
  { method: 'GET', url: '/api/v1/platform/outbox', path: () => '/api/v1/platform/outbox?status=dead', expect: platformOnly(200) },
  { method: 'GET', url: '/api/v1/platform/dev/mailbox', path: () => '/api/v1/platform/dev/mailbox', expect: platformOnly(200) },
  { method: 'GET', url: '/api/v1/dev/mailbox', path: () => '/api/v1/dev/mailbox', expect: anyPerson(200) },
  { method: 'POST', url: '/api/v1/uploads', path: () => '/api/v1/uploads', raw: multipart, expect: anyPerson(201) },
  {
    method: 'GET',
    url: '/api/v1/cases/:id/attachments/:attachmentId',
    path: () => `/api/v1/cases/${caseId}/attachments/${attachmentId}`,
    expect: partiesAndStaff(200),
  },
  {
    method: 'PUT',
    url: '/api/v1/platform/payments/:id/evidence/:evidenceId',
    path: () => '/api/v1/platform/payments/p_matrix/evidence/ev_matrix',
    body: () => ({ type: 'login', occurredAt: '2026-03-01T00:00:00Z', description: 'Signed in' }),
    expect: platformOnly(200),
  },
  { method: 'GET', url: '/api/v1/cases/:id/file.pdf', path: () => `/api/v1/cases/${caseId}/file.pdf`, expect: partiesAndStaff(200) },
  { method: 'GET', url: '/api/v1/cases/:id/file.json', path: () => `/api/v1/cases/${caseId}/file.json`, expect: partiesAndStaff(200) },
  { method: 'GET', url: '/api/v1/cases/:id/evidence', path: () => `/api/v1/cases/${caseId}/evidence`, expect: partiesAndStaff(200) },
  { method: 'GET', url: '/api/v1/cases/:id/disputes', path: () => `/api/v1/cases/${caseId}/disputes`, expect: partiesAndStaff(200) },
  {
    method: 'PUT',
    url: '/api/v1/platform/disputes/:id',
    path: () => '/api/v1/platform/disputes/ethoca_matrix',
    body: () => ({ paymentId: 'p_matrix', stage: 'inquiry', network: 'ethoca' }),
    expect: platformOnly(200),
  },
  { method: 'GET', url: '/api/v1/platform/disputes', path: () => '/api/v1/platform/disputes?stage=inquiry', expect: platformOnly(200) },
  {
    method: 'GET',
    url: '/api/v1/merchants/:id/disputes',
    path: () => '/api/v1/merchants/shop/disputes',
    expect: { customer: 404, otherCustomer: 404, merchant: 200, otherMerchant: 404, staff: 200, platform: 403, nobody: 401 },
  },
  {
    method: 'GET',
    url: '/api/v1/disputes/:id',
    path: () => `/api/v1/disputes/${alerts[0]}`,
    expect: { customer: 404, otherCustomer: 404, merchant: 200, otherMerchant: 404, staff: 200, platform: 403, nobody: 401 },
  },
  {
    method: 'POST',
    url: '/api/v1/disputes/:id/actions',
    // Each caller gets a fresh alert: the payment's customer is refused (403), other people see none (404).
    path: () => `/api/v1/disputes/${alerts.shift()}/actions`,
    body: () => ({ type: 'dismiss' }),
    expect: { customer: 403, otherCustomer: 404, merchant: 200, otherMerchant: 404, staff: 200, platform: 403, nobody: 401 },
  },
  {
    method: 'GET',
    url: '/api/v1/merchants/:id/settings',
    path: () => '/api/v1/merchants/shop/settings',
    expect: { customer: 404, otherCustomer: 404, merchant: 200, otherMerchant: 404, staff: 200, platform: 403, nobody: 401 },
  },
  {
    method: 'PUT',
    url: '/api/v1/merchants/:id/settings',
    path: () => '/api/v1/merchants/shop/settings',
    body: () => ({}),
    expect: { customer: 404, otherCustomer: 404, merchant: 200, otherMerchant: 404, staff: 403, platform: 403, nobody: 401 },
  },
  { method: 'GET', url: '/api/v1/cases/:id/context', path: () => `/api/v1/cases/${caseId}/context`, expect: staffOnly(200) },
  ...(['GET', 'POST'] as const).map((method): Entry => ({
    method,
    url: '/api/v1/merchants/:id/saved-replies',
    path: () => '/api/v1/merchants/shop/saved-replies',
    body: method === 'POST' ? () => ({ title: 'Thanks', body: 'Thank you, {{customer.name}}.' }) : undefined,
    expect: membersAndStaff(method === 'POST' ? 201 : 200),
  })),
  ...(['PATCH', 'DELETE'] as const).map((method): Entry => ({
    method,
    url: '/api/v1/merchants/:id/saved-replies/:replyId',
    path: () => `/api/v1/merchants/shop/saved-replies/${merchantReplies.shift()}`,
    body: method === 'PATCH' ? () => ({ title: 'Renamed' }) : undefined,
    expect: membersAndStaff(method === 'PATCH' ? 200 : 204),
  })),
  ...(['GET', 'POST'] as const).map((method): Entry => ({
    method,
    url: '/api/v1/staff/saved-replies',
    path: () => '/api/v1/staff/saved-replies',
    body: method === 'POST' ? () => ({ title: 'Under review', body: 'We are looking at it.' }) : undefined,
    expect: staffOnly(method === 'POST' ? 201 : 200),
  })),
  ...(['PATCH', 'DELETE'] as const).map((method): Entry => ({
    method,
    url: '/api/v1/staff/saved-replies/:replyId',
    path: () => `/api/v1/staff/saved-replies/${staffReplies.shift()}`,
    body: method === 'PATCH' ? () => ({ title: 'Renamed' }) : undefined,
    expect: staffOnly(method === 'PATCH' ? 200 : 204),
  })),
  // Provider events authenticate by signature, never by who calls: unsigned is refused for everyone.
  ...['stripe', 'paypal'].map((provider): Entry => ({
    method: 'POST',
    url: `/api/v1/providers/${provider}/webhook`,
    path: () => `/api/v1/providers/${provider}/webhook`,
    body: () => ({ id: 'evt_1', type: 'charge.refunded' }),
    expect: { customer: 400, otherCustomer: 400, merchant: 400, otherMerchant: 400, staff: 400, platform: 400, nobody: 400 },
  })),
  // DELETE /session last: it ends the caller's session.
  { method: 'DELETE', url: '/api/v1/session', path: () => '/api/v1/session', expect: anyPerson(204) },
];

function tokenOf(caller: Caller): string | undefined {
  if (caller === 'nobody') return undefined;
  if (caller === 'platform') return w.platform;
  return w.tokens[caller];
}

describe('access matrix', () => {
  it('covers every API route', () => {
    const routes = t.app.server.apiRoutes.map((r) => `${r.method} ${r.url}`).sort();
    const covered = TABLE.map((e) => `${e.method} ${e.url}`).sort();
    expect(covered).toEqual(routes);
  });

  for (const entry of TABLE)
    it(`${entry.method} ${entry.url}`, async () => {
      const seen: Record<string, number> = {};
      for (const caller of CALLERS) {
        freshPayment = await w.payment();
        const r = await t.api(entry.method, entry.path(), { token: tokenOf(caller), body: entry.body?.(), ...entry.raw?.() });
        seen[caller] = r.status;
        if (r.status >= 400) expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      }
      expect(seen).toEqual(entry.expect);
      // Acting for a person: that person's answer on person routes, the platform's on its own routes.
      const acting: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const caller of entry.notActing ? [] : ACTING) {
        const person = caller.slice('platformAs:'.length) as Person;
        freshPayment = await w.payment();
        const r = await t.api(entry.method, entry.path(), {
          token: w.platform,
          headers: { 'rc-on-behalf-of': ON_BEHALF[person], ...entry.raw?.().headers },
          body: entry.body?.(),
          raw: entry.raw?.().raw,
        });
        acting[caller] = r.status;
        expected[caller] = entry.expect.platform === 403 ? entry.expect[person] : entry.expect.platform;
      }
      expect(acting).toEqual(expected);
    });
});
