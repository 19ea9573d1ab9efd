/** System evidence (SPEC §13): the platform records a payment's delivery and use; the case's parties and staff read it. */
import { describe, expect, it } from 'vitest';
import { T0, startApp } from './support/harness.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const put = (paymentId: string, evidenceId: string, body: unknown) =>
  t.api('PUT', `/api/v1/platform/payments/${paymentId}/evidence/${evidenceId}`, { token: w.platform, body });

const at = (minutes: number) => new Date(T0 - 3600_000 + minutes * 60_000).toISOString();

describe('recording system evidence', () => {
  it('stores an item once: the same content again is a no-op, other content is 409', async () => {
    const paymentId = await w.payment();
    const body = {
      type: 'download',
      occurredAt: '2026-03-02T08:00:00+01:00',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      description: 'Downloaded course.zip (1.2 GB)',
      data: { file: 'course.zip', bytes: 1200000000, nested: { b: 1, a: [1, 2] } },
    };
    const first = await put(paymentId, 'ev_1', body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: 'ev_1',
      paymentId,
      type: 'download',
      occurredAt: '2026-03-02T07:00:00.000Z',
      ip: '203.0.113.7',
      deviceId: null,
      created: true,
      data: body.data,
    });
    // The same content, with the keys of data in another order, changes nothing.
    const again = await put(paymentId, 'ev_1', { ...body, data: { nested: { a: [1, 2], b: 1 }, bytes: 1200000000, file: 'course.zip' } });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.createdAt).toBe(first.body.createdAt);

    for (const changed of [
      { description: 'Downloaded something else' },
      { ip: '203.0.113.8' },
      { data: { file: 'other.zip' } },
      { deviceId: 'd1' },
    ]) {
      const r = await put(paymentId, 'ev_1', { ...body, ...changed });
      expect(r.status, JSON.stringify(changed)).toBe(409);
      expect(r.body.code).toBe('conflict');
    }
    // The same evidence id on another payment is another item.
    const other = await w.payment();
    expect((await put(other, 'ev_1', { ...body, description: 'Another payment' })).status).toBe(200);
  });

  it('refuses bad input with validation_failed and stores nothing', async () => {
    const paymentId = await w.payment();
    const ok = { type: 'login', occurredAt: at(0), description: 'Signed in' };
    const bad: [string, unknown][] = [
      ['type', { ...ok, type: 'telepathy' }],
      ['description', { ...ok, description: '' }],
      ['description', { ...ok, description: 'x'.repeat(501) }],
      ['occurredAt', { ...ok, occurredAt: 'yesterday' }],
      ['occurredAt', { ...ok, occurredAt: new Date(T0 + 3600_000).toISOString() }],
      ['ip', { ...ok, ip: '999.1.1.1' }],
      ['data', { ...ok, data: [1, 2] }],
      ['data', { ...ok, data: 'text' }],
      ['data', { ...ok, data: { blob: 'x'.repeat(4096) } }],
    ];
    for (const [path, body] of bad) {
      const r = await put(paymentId, 'ev_bad', body);
      expect(r.status, path).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors.map((e: { path: string }) => e.path).join(' '), path).toContain(path);
    }
    // 500 characters and 4 KiB of data exactly are fine.
    const max = { ...ok, description: 'x'.repeat(500), data: { blob: 'x'.repeat(4096 - '{"blob":""}'.length) } };
    expect((await put(paymentId, 'ev_max', max)).status).toBe(200);
    expect((await put('no_such_payment', 'ev_1', ok)).status).toBe(404);
    expect((await put(paymentId, 'bad id!', ok)).status).toBe(400);
    // A person's token is not the platform's.
    const r = await t.api('PUT', `/api/v1/platform/payments/${paymentId}/evidence/ev_x`, { token: w.tokens.customer, body: ok });
    expect(r.status).toBe(403);
  });

  it('holds at most 10,000 items per payment: 409 evidence_limit_reached after that, repeats still answer', async () => {
    const paymentId = await w.payment();
    const db = t.app.services.db;
    const rows = Array.from({ length: 9999 }, (_, i) => ({
      payment_id: paymentId,
      id: `bulk_${i}`,
      type: 'usage',
      occurred_at: at(0),
      ip: null,
      device_id: null,
      user_agent: null,
      description: 'Used it',
      data: null,
      created_at: at(0),
    }));
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('system_evidence')
        .values(rows.slice(i, i + 500))
        .execute();
    const item = { type: 'usage', occurredAt: at(1), description: 'Used it again' };
    expect((await put(paymentId, 'ev_10000', item)).status).toBe(200);
    const over = await put(paymentId, 'ev_10001', item);
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('evidence_limit_reached');
    // Repeating a stored item is still a no-op; other payments are not affected.
    expect((await put(paymentId, 'ev_10000', item)).body.created).toBe(false);
    expect((await put(await w.payment(), 'ev_10001', item)).status).toBe(200);
    const { n } = await db
      .selectFrom('system_evidence')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('payment_id', '=', paymentId)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(10000);
  });
});

describe('reading a case’s evidence', () => {
  it('shows both parties and staff every item, by occurredAt then arrival, page by page; others get 404', async () => {
    const c = await w.openCase();
    const paymentId = c.payment.id;
    // Arrival order differs from occurrence order; two items share one instant.
    await put(paymentId, 'late', { type: 'download', occurredAt: at(30), description: 'Downloaded the course' });
    await put(paymentId, 'first', { type: 'access_granted', occurredAt: at(0), description: 'Access granted to the course' });
    await put(paymentId, 'same_a', { type: 'login', occurredAt: at(10), description: 'Logged in', deviceId: 'dev-1' });
    await put(paymentId, 'same_b', { type: 'license_activated', occurredAt: at(10), description: 'Licence activated' });
    const expected = ['first', 'same_a', 'same_b', 'late'];

    for (const token of [w.tokens.customer, w.tokens.merchant, w.tokens.staff]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await t.api('GET', `/api/v1/cases/${c.id}/evidence${q}`, { token });
        expect(r.status).toBe(200);
        ids.push(...r.body.data.map((e: { id: string }) => e.id));
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor);
      expect(ids).toEqual(expected);
      expect(pages).toBe(2);
    }
    const one = await t.api('GET', `/api/v1/cases/${c.id}/evidence`, { token: w.tokens.customer });
    expect(one.body.data[1]).toMatchObject({ id: 'same_a', type: 'login', deviceId: 'dev-1', description: 'Logged in', data: null });

    for (const token of [w.tokens.otherCustomer, w.tokens.otherMerchant])
      expect((await t.api('GET', `/api/v1/cases/${c.id}/evidence`, { token })).status).toBe(404);
    expect((await t.api('GET', `/api/v1/cases/${c.id}/evidence`)).status).toBe(401);
    expect((await t.api('GET', `/api/v1/cases/${c.id}/evidence?cursor=nonsense`, { token: w.tokens.customer })).status).toBe(400);
  });
});

describe('the demo seed', () => {
  it('records access and download evidence for a payment with a case', async () => {
    const demo = await startApp({ DEMO_SEED: '1' });
    try {
      const row = await demo.app.services.db.selectFrom('cases').select('id').where('payment_id', '=', 'pay_b3').executeTakeFirstOrThrow();
      const login = await demo.api('POST', '/api/v1/session', { body: { email: 'sam@platform.example', password: 'demo-password' } });
      const r = await demo.api('GET', `/api/v1/cases/${row.id}/evidence`, { token: login.body.token });
      expect(r.status).toBe(200);
      expect(r.body.data.map((e: { type: string }) => e.type)).toEqual([
        'access_granted',
        'login',
        'download',
        'download',
        'license_activated',
      ]);
    } finally {
      await demo.close();
    }
  });
});
