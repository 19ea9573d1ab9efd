/** Bad input: a problem+json with a stable code, and nothing stored. */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

function isProblem(r: { status: number; body: any; headers: Headers }, status: number, code: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code });
  expect(typeof r.body.title).toBe('string');
  expect(typeof r.body.detail).toBe('string');
  expect(typeof r.body.type).toBe('string');
}

const count = async (table: string) =>
  Number(
    (
      await t.app.services.db
        .selectFrom(table as 'cases')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const payment = (over: Record<string, unknown> = {}) => ({
  customerId: 'cust',
  merchantId: 'shop',
  amount: 1000,
  currency: 'USD',
  provider: 'stripe',
  providerPaymentId: 'pi_1',
  status: 'succeeded',
  productName: 'P',
  paidAt: '2026-03-01T00:00:00Z',
  ...over,
});

describe('bad input', () => {
  it('malformed JSON', async () => {
    const r = await t.api('POST', '/api/v1/cases', {
      token: w.tokens.customer,
      raw: '{"paymentId": ',
      headers: { 'content-type': 'application/json' },
    });
    isProblem(r, 400, 'invalid_json');
  });

  it('a body over the limit is 413', async () => {
    const r = await t.api('POST', '/api/v1/cases', {
      token: w.tokens.customer,
      raw: JSON.stringify({ description: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    isProblem(r, 413, 'payload_too_large');
  });

  it('a body that is not JSON is 415', async () => {
    const r = await t.api('POST', '/api/v1/cases', { token: w.tokens.customer, raw: 'hello', headers: { 'content-type': 'text/plain' } });
    isProblem(r, 415, 'unsupported_media_type');
  });

  it.each([
    ['wrong type', { paymentId: 12, issueType: 'other', description: 'long enough text' }, 'paymentId'],
    ['unknown issue type', { paymentId: 'p1', issueType: 'bored', description: 'long enough text' }, 'issueType'],
    ['short description', { paymentId: 'p1', issueType: 'other', description: 'short' }, 'description'],
    ['long description', { paymentId: 'p1', issueType: 'other', description: 'x'.repeat(5001) }, 'description'],
    ['bad id', { paymentId: '../etc/passwd', issueType: 'other', description: 'long enough text' }, 'paymentId'],
    ['too long id', { paymentId: 'a'.repeat(65), issueType: 'other', description: 'long enough text' }, 'paymentId'],
    [
      'bad attachment ids',
      { paymentId: 'p1', issueType: 'other', description: 'long enough text', attachmentIds: ['x'] },
      'attachmentIds.0',
    ],
  ])('opening a case: %s', async (_name, body, path) => {
    const before = await count('cases');
    const r = await t.api('POST', '/api/v1/cases', { token: w.tokens.customer, body });
    isProblem(r, 400, 'validation_failed');
    expect(r.body.errors.map((e: any) => e.path)).toContain(path);
    expect(await count('cases')).toBe(before);
  });

  it.each([
    ['negative amount', { amount: -1 }, 'amount'],
    ['fractional amount', { amount: 10.5 }, 'amount'],
    ['huge amount', { amount: 1e300 }, 'amount'],
    ['bad currency', { currency: 'usd' }, 'currency'],
    ['unknown provider', { provider: 'cash' }, 'provider'],
    ['bad status', { status: 'pending' }, 'status'],
    ['bad date', { paidAt: 'yesterday' }, 'paidAt'],
    ['over-long product', { productName: 'p'.repeat(301) }, 'productName'],
  ])('a payment with %s', async (_name, over, path) => {
    const before = await count('payments');
    const r = await t.api('PUT', '/api/v1/platform/payments/pay_bad', { token: w.platform, body: payment(over) });
    isProblem(r, 400, 'validation_failed');
    expect(r.body.errors.map((e: any) => e.path)).toContain(path);
    expect(await count('payments')).toBe(before);
  });

  it('ids outside [A-Za-z0-9_-]{1,64} in paths', async () => {
    isProblem(await t.api('PUT', `/api/v1/platform/users/${'a'.repeat(65)}`, { token: w.platform, body: {} }), 400, 'validation_failed');
    isProblem(await t.api('PUT', '/api/v1/platform/users/a.b', { token: w.platform, body: {} }), 400, 'validation_failed');
    isProblem(await t.api('GET', '/api/v1/cases/not-a-case', { token: w.tokens.customer }), 400, 'validation_failed');
  });

  it('users: bad email, bad time zone, short password, email taken', async () => {
    const u = (over: Record<string, unknown>) => ({ email: 'new@test.example', name: 'New', ...over });
    isProblem(
      await t.api('PUT', '/api/v1/platform/users/u_new', { token: w.platform, body: u({ email: 'nope' }) }),
      400,
      'validation_failed',
    );
    isProblem(
      await t.api('PUT', '/api/v1/platform/users/u_new', { token: w.platform, body: u({ timeZone: 'Mars/Olympus' }) }),
      400,
      'validation_failed',
    );
    isProblem(
      await t.api('PUT', '/api/v1/platform/users/u_new', { token: w.platform, body: u({ password: 'short' }) }),
      400,
      'validation_failed',
    );
    isProblem(
      await t.api('PUT', '/api/v1/platform/users/u_new', { token: w.platform, body: u({ email: 'cust@test.example' }) }),
      409,
      'email_taken',
    );
    isProblem(
      await t.api('PUT', '/api/v1/platform/merchants/m_new', {
        token: w.platform,
        body: { name: 'M', supportEmail: 'm@x.example', memberIds: ['ghost'] },
      }),
      400,
      'validation_failed',
    );
    isProblem(
      await t.api('PUT', '/api/v1/platform/payments/p_new', { token: w.platform, body: payment({ customerId: 'ghost' }) }),
      400,
      'validation_failed',
    );
  });

  it('actions: unknown type, over-long message, bad outcome, too many attachments — nothing stored', async () => {
    const c = await w.openCase();
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'refund_everything' }, 'type'],
      [{ type: 'respond', message: 'x'.repeat(5001) }, 'message'],
      [{ type: 'respond', message: '' }, 'message'],
      [{ type: 'decide', outcome: 'split', message: 'x' }, 'outcome'],
      [{ type: 'respond', message: 'x', attachmentIds: 'upl_1' }, 'attachmentIds'],
      [{ type: 'offer_partial_refund', amount: '100', message: 'x' }, 'amount'],
    ];
    for (const [body, path] of cases) {
      const r = await w.act(w.tokens.merchant, c.id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors.map((e: any) => e.path)).toContain(path);
    }
    const four = await w.act(w.tokens.merchant, c.id, {
      type: 'respond',
      message: 'x',
      attachmentIds: ['upl_a', 'upl_b', 'upl_c', 'upl_d'],
    });
    isProblem(four, 400, 'too_many_files');
    const after = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.merchant })).body;
    expect(after.version).toBe(1);
    expect(after.timeline).toHaveLength(1);
  });

  it('a bad cursor, limit or filter', async () => {
    isProblem(await t.api('GET', '/api/v1/cases?cursor=!!!', { token: w.tokens.customer }), 400, 'validation_failed');
    isProblem(await t.api('GET', '/api/v1/cases?limit=0', { token: w.tokens.customer }), 400, 'validation_failed');
    isProblem(await t.api('GET', '/api/v1/cases?limit=abc', { token: w.tokens.customer }), 400, 'validation_failed');
    isProblem(await t.api('GET', '/api/v1/cases?status=lost', { token: w.tokens.customer }), 400, 'validation_failed');
  });

  it('over-long paths and headers', async () => {
    isProblem(await t.api('GET', `/api/v1/cases/${'x'.repeat(6000)}`, { token: w.tokens.customer }), 400, 'validation_failed');
    isProblem(await t.api('GET', '/api/v1/me', { headers: { authorization: `Bearer ${'x'.repeat(20000)}` } }), 431, 'headers_too_large');
  });

  it('the movable clock refuses absurd durations', async () => {
    for (const advance of ['P300000Y', 'P', 'PT', '7 days', 'P-1D'])
      isProblem(await t.api('POST', '/api/v1/platform/dev/clock', { token: w.platform, body: { advance } }), 400, 'validation_failed');
  });

  it('an unknown route is a problem+json 404', async () => {
    isProblem(await t.api('GET', '/api/v1/nothing-here'), 404, 'not_found');
  });

  it('a 500 shows nothing internal', async () => {
    const s = t.app.services;
    const original = s.paymentReads.credits.bind(s.paymentReads);
    s.paymentReads.credits = () => Promise.reject(new Error('SELECT secret FROM internals failed at /srv/app.ts:12'));
    try {
      const r = await t.api('GET', '/api/v1/credits', { token: w.tokens.customer });
      isProblem(r, 500, 'internal_error');
      expect(JSON.stringify(r.body)).not.toMatch(/secret|internals|app\.ts/);
    } finally {
      s.paymentReads.credits = original;
    }
  });
});
