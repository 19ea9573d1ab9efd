/**
 * SPEC §14 search: the platform's case filters, unknown query parameters refused on
 * every list, and orders a page at a time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const opened: any[] = [];
const { t, w } = useWorld();
beforeAll(async () => {
  opened.push(await w.openCase());
  await w.advance('PT1H');
  opened.push(await w.openCase());
  // Another customer's case, on another merchant.
  const other = await w.payment({ customerId: 'cust2', merchantId: 'shop2' });
  const r = await t.api('POST', '/api/v1/cases', {
    token: w.tokens.otherCustomer,
    body: { paymentId: other, issueType: 'other', description: 'Not what was described.' },
  });
  expect(r.status).toBe(201);
  opened.push(r.body);
  await w.advance('PT1H');
  // The first case closes: withdrawn.
  expect((await w.act(w.tokens.customer, opened[0].id, { type: 'withdraw' })).status).toBe(200);
});

const ids = async (query: string) => {
  const r = await t.api('GET', `/api/v1/platform/cases?${query}`, { token: w.platform });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return (r.body.data as any[]).map((c) => c.id).sort();
};

describe('platform case search', () => {
  it('filters by customer, payment and merchant', async () => {
    const [a, b, c] = opened;
    expect(await ids('customerId=cust')).toEqual([a.id, b.id].sort());
    expect(await ids('customerId=cust2')).toEqual([c.id]);
    expect(await ids(`paymentId=${b.payment.id}`)).toEqual([b.id]);
    expect(await ids('paymentId=nothing')).toEqual([]);
    expect(await ids('merchantId=shop2&customerId=cust')).toEqual([]);
  });

  it('filters by state and by repeated status', async () => {
    const [a, b, c] = opened;
    expect(await ids('state=closed')).toEqual([a.id]);
    expect(await ids('state=open')).toEqual([b.id, c.id].sort());
    expect(await ids('status=customer_withdrew')).toEqual([a.id]);
    expect(await ids(`status=customer_withdrew&status=${b.status}`)).toEqual([a.id, b.id, c.id].sort());
  });

  it('bounds creation (after inclusive, before exclusive) and updates (since inclusive)', async () => {
    const [a, b, c] = opened;
    expect(await ids(`createdAfter=${encodeURIComponent(b.createdAt)}`)).toEqual([b.id, c.id].sort());
    expect(await ids(`createdBefore=${encodeURIComponent(b.createdAt)}`)).toEqual([a.id]);
    const withdrawn = (await t.api('GET', `/api/v1/platform/cases/${a.id}`, { token: w.platform })).body;
    expect(await ids(`updatedSince=${encodeURIComponent(withdrawn.updatedAt)}`)).toEqual([a.id]);
  });

  it('refuses a misspelt filter instead of ignoring it', async () => {
    const r = await t.api('GET', '/api/v1/platform/cases?customerID=cust', { token: w.platform });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.errors).toEqual([{ path: 'querystring.customerID', message: 'Unknown parameter' }]);
    const bad = await t.api('GET', '/api/v1/platform/cases?state=pending', { token: w.platform });
    expect(bad.status).toBe(400);
  });
});

describe('every list refuses unknown query parameters', () => {
  const lists: [string, 'platform' | 'customer' | 'staff'][] = [
    ['/api/v1/platform/cases', 'platform'],
    ['/api/v1/platform/outbox', 'platform'],
    ['/api/v1/platform/dev/mailbox', 'platform'],
    ['/api/v1/cases', 'customer'],
    ['/api/v1/orders', 'customer'],
    ['/api/v1/dev/mailbox', 'customer'],
    ['/api/v1/review-queue', 'staff'],
  ];
  for (const [path, who] of lists)
    it(path, async () => {
      const token = who === 'platform' ? w.platform : w.tokens[who];
      expect((await t.api('GET', `${path}?limit=5`, { token })).status).toBe(200);
      const r = await t.api('GET', `${path}?limit=5&sort=asc`, { token });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    });
});

describe('orders', () => {
  it('come a page at a time with a cursor, each order once', async () => {
    for (let i = 0; i < 4; i++) await w.payment({ paidAt: new Date(Date.parse('2026-02-01T00:00:00Z') + i * 1000).toISOString() });
    const all = (await t.api('GET', '/api/v1/orders', { token: w.tokens.customer })).body;
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await t.api('GET', `/api/v1/orders?${q}`, { token: w.tokens.customer });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((o: any) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((o: any) => o.id));
    expect(seen.length).toBe(6);
  });
});
