/** Reads: lists with cursors and filters, the review queue, the OpenAPI document, the demo seed. */
import { describe, expect, it } from 'vitest';
import { startApp } from './support/harness.js';
import { makeWorld, useWorld } from './support/world.js';
import { CaseView } from '../src/http/schemas.js';

const { t, w } = useWorld();

async function all(path: string, token: string) {
  const seen: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r: any = await t.api('GET', `${path}${sep}limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBeLessThanOrEqual(2);
    seen.push(...r.body.data);
    cursor = r.body.nextCursor;
  } while (cursor);
  return seen;
}

describe('lists', () => {
  it('walk every case once, newest first, through cursors; filters narrow them', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await w.openCase()).id);
      await w.advance('PT1M');
    }
    await w.act(w.tokens.merchant, made[0] as string, { type: 'deny', message: 'No.' });
    const other = await w.openCase({ merchantId: 'shop2' });

    const mine = await all('/api/v1/cases', w.tokens.customer);
    expect(mine.map((c) => c.id)).toEqual([other.id, ...made.slice().reverse()]);
    expect(mine.every((c) => c.timeline === undefined)).toBe(true);

    const shop = await all('/api/v1/cases?role=merchant', w.tokens.merchant);
    expect(shop.map((c) => c.id)).toEqual(made.slice().reverse());
    expect(shop[4].availableActions).toEqual(['respond', 'accept']);

    expect((await all('/api/v1/cases', w.tokens.otherCustomer)).length).toBe(0);
    expect((await all('/api/v1/cases?merchantId=shop2', w.tokens.merchant)).length).toBe(0);
    expect((await all('/api/v1/cases?role=staff', w.tokens.merchant)).length).toBe(0);
    const denied = await all('/api/v1/cases?status=customer_response_needed', w.tokens.staff);
    expect(denied.map((c) => c.id)).toEqual([made[0]]);
    const platform = await all('/api/v1/platform/cases?merchantId=shop2', w.platform);
    expect(platform.map((c) => c.id)).toEqual([other.id]);
    expect(platform[0].availableActions).toEqual([]);
  });

  it('the review queue: oldest escalation first, appeals marked', async () => {
    const a = await w.openCase();
    await w.advance('P7D');
    const b = await w.openCase();
    await w.act(w.tokens.merchant, b.id, { type: 'deny', message: 'No.' });
    await w.act(w.tokens.customer, b.id, { type: 'escalate' });
    await w.act(w.tokens.staff, a.id, { type: 'decide', outcome: 'merchant_wins', message: 'Fine.' });
    await w.advance('PT1H');
    await w.act(w.tokens.customer, a.id, { type: 'appeal', message: 'Please look again.' });
    const queue = (await t.api('GET', '/api/v1/review-queue', { token: w.tokens.staff })).body.data;
    const ours = queue.filter((q: any) => q.id === a.id || q.id === b.id);
    expect(ours.map((q: any) => [q.id, q.queueReason])).toEqual([
      [b.id, 'escalation'],
      [a.id, 'appeal'],
    ]);
    expect(queue.map((q: any) => q.reviewSince)).toEqual(
      queue
        .map((q: any) => q.reviewSince)
        .slice()
        .sort(),
    );
  });
});

describe('the OpenAPI document', () => {
  it('describes every route from the same schemas', async () => {
    const doc = (await t.api('GET', '/api/v1/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const r of t.app.server.apiRoutes) {
      const p = r.url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[p]?.[r.method.toLowerCase()], `${r.method} ${p}`).toBeDefined();
    }
    expect(doc.paths['/api/v1/cases/{id}/actions'].post.requestBody).toBeDefined();
    const docs = await t.api('GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('swagger');
  });
});

describe('the demo seed', () => {
  it('fills an empty database with a marketplace in every status, once', async () => {
    const t2 = await startApp({ DEMO_SEED: '1' });
    try {
      const staff = await t2.api('POST', '/api/v1/session', { body: { email: 'sam@platform.example', password: 'demo-password' } });
      const cases = (await t2.api('GET', '/api/v1/cases?limit=100', { token: staff.body.token })).body.data;
      const statuses = new Set(cases.map((c: any) => c.status));
      expect([...statuses].sort()).toEqual(
        [
          'merchant_response_needed',
          'customer_info_needed',
          'customer_response_needed',
          'merchant_info_needed',
          'under_platform_review',
          'customer_won',
          'merchant_won',
          'customer_withdrew',
          'chargeback_filed',
        ].sort(),
      );
      const alice = await t2.api('POST', '/api/v1/session', { body: { email: 'alice@example.com', password: 'demo-password' } });
      const reasons = new Set(
        (await t2.api('GET', '/api/v1/orders', { token: alice.body.token })).body.data.map((o: any) => o.eligibility.reason),
      );
      for (const r of [null, 'payment_method_ineligible', 'payment_refunded', 'case_already_exists', 'filing_window_passed'])
        expect(reasons).toContain(r);
      const dana = await t2.api('POST', '/api/v1/session', { body: { email: 'dana@pixelforge.example', password: 'demo-password' } });
      const danas = (await t2.api('GET', '/api/v1/orders', { token: dana.body.token })).body.data;
      expect(danas[0].eligibility.reason).toBe('conflict_of_interest');
      for (const c of cases) {
        const full = (await t2.api('GET', `/api/v1/cases/${c.id}`, { token: staff.body.token })).body;
        expect(full.timeline.length).toBeGreaterThan(0);
        if (full.dueAt)
          expect(Date.parse(full.dueAt)).toBeGreaterThan(
            Date.parse((await t2.api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now),
          );
      }
      expect(await (await import('../src/seed/demo.js')).seedDemo(t2.app.services)).toBe(false);
    } finally {
      await t2.close();
    }
  });
});

describe('a case as the service serialises it (responses not validated)', () => {
  it('is a valid case view on every read, and shows each new event once it is committed', async () => {
    const fast = await startApp({ VALIDATE_RESPONSES: '0' });
    try {
      const fw = await makeWorld(fast.api);
      const c = await fw.openCase();
      await fw.act(fw.tokens.customer, c.id, { type: 'respond', message: 'Still nothing, "quoted" \\ and ✓\nsecond line' });
      const read = () => fast.api('GET', `/api/v1/cases/${c.id}`, { token: fw.tokens.customer });
      const first = await read();
      // The second read is served from the timeline's kept JSON.
      const second = await read();
      expect(first.status).toBe(200);
      expect(CaseView.parse(second.body)).toEqual(first.body);
      expect(second.body).toEqual(first.body);
      expect(second.body.timeline.map((e: any) => e.type)).toEqual(['created', 'responded']);
      expect(second.body.timeline[1].message).toBe('Still nothing, "quoted" \\ and ✓\nsecond line');

      const denied = await fw.act(fw.tokens.merchant, c.id, { type: 'deny', message: 'No.' });
      expect(denied.body.timeline.map((e: any) => e.type)).toEqual(['created', 'responded', 'denied']);
      const after = await read();
      expect(CaseView.parse(after.body).timeline).toHaveLength(3);
      expect(after.body.timeline).toEqual(denied.body.timeline);
      const staff = await fast.api('GET', `/api/v1/cases/${c.id}`, { token: fw.tokens.staff });
      expect(CaseView.parse(staff.body).timeline?.length).toBeGreaterThanOrEqual(3);
    } finally {
      await fast.close();
    }
  });
});
