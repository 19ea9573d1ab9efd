/**
 * Hostile input: fast-check drives the API with random and adversarial values in
 * every field. Whatever arrives, the answer is never a 500, every refusal is a
 * problem+json with a stable code, and nothing half-written is stored.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type World, useWorld } from './support/world.js';

let caseId: string;
const { t, w } = useWorld();
beforeAll(async () => {
  caseId = (await w.openCase()).id;
});

const CODE = /^[a-z_]+$/;

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.constantFrom(
    "'; DROP TABLE cases; --",
    '" OR 1=1 --',
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '../../etc/passwd',
    '\u0000\u0001\u001f',
    'line\r\nInjected-Header: yes',
    '\u202e\u200b\ufeff',
    '𝕳𝖊𝖑𝖑𝖔 🔥'.repeat(50),
    'x'.repeat(6000),
    '%00%2e%2e%2f',
    'case_' + 'A'.repeat(70),
    '{"$ne": null}',
  ),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e308, -0),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

function bodyFrom(keys: string[]) {
  return fc.record(Object.fromEntries(keys.map((k) => [k, hostileValue])), { requiredKeys: [] });
}

const count = async () => {
  const db = t.app.services.db;
  const n = async (table: 'cases' | 'case_events' | 'payments' | 'users') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { cases: await n('cases'), events: await n('case_events'), payments: await n('payments'), users: await n('users') };
};

function checkAnswer(r: { status: number; body: any; headers: Headers }) {
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
  if (r.status >= 400) {
    expect(r.headers.get('content-type'), `${r.status} ${JSON.stringify(r.body).slice(0, 300)}`).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toMatch(CODE);
    expect(r.body.status).toBe(r.status);
  }
}

describe('hostile input', () => {
  it('opening cases', async () => {
    const before = await count();
    await fc.assert(
      fc.asyncProperty(bodyFrom(['paymentId', 'issueType', 'description', 'attachmentIds']), async (body) => {
        checkAnswer(await t.api('POST', '/api/v1/cases', { token: w.tokens.customer, body }));
      }),
      { numRuns: 150 },
    );
    expect(await count()).toEqual(before);
  });

  it('actions', async () => {
    const before = await count();
    const type = fc.oneof(hostileValue, fc.constantFrom('respond', 'deny', 'offer_partial_refund', 'decide', 'appeal', 'note'));
    await fc.assert(
      fc.asyncProperty(
        bodyFrom(['message', 'amount', 'outcome', 'attachmentIds', 'expectedVersion']),
        type,
        fc.constantFrom('customer', 'merchant', 'staff', 'otherCustomer') as fc.Arbitrary<keyof World['tokens']>,
        async (body, actionType, who) => {
          const r = await w.act(w.tokens[who], caseId, { ...body, type: actionType });
          checkAnswer(r);
        },
      ),
      { numRuns: 200 },
    );
    // Valid replies may have landed; a case is never left between versions.
    const after = (await t.api('GET', `/api/v1/cases/${caseId}`, { token: w.tokens.staff })).body;
    expect(after.timeline.map((e: any) => e.seq)).toEqual(after.timeline.map((_: any, i: number) => i + 1));
    expect(after.version).toBe(after.timeline.length);
    expect((await count()).cases).toBe(before.cases);
  });

  it('the platform API', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileString,
        bodyFrom([
          'customerId',
          'merchantId',
          'amount',
          'currency',
          'provider',
          'providerPaymentId',
          'status',
          'refundedAmount',
          'productName',
          'paidAt',
        ]),
        bodyFrom(['email', 'name', 'password', 'isStaff', 'timeZone']),
        async (id, payment, user) => {
          const path = encodeURIComponent(id);
          checkAnswer(await t.api('PUT', `/api/v1/platform/payments/${path}`, { token: w.platform, body: payment }));
          checkAnswer(await t.api('PUT', `/api/v1/platform/users/${path}`, { token: w.platform, body: user }));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('paths, queries and headers', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, async (a, b) => {
        const q = `?limit=${encodeURIComponent(a)}&cursor=${encodeURIComponent(b)}&status=${encodeURIComponent(b)}&role=${encodeURIComponent(a)}`;
        checkAnswer(await t.api('GET', `/api/v1/cases${q}`, { token: w.tokens.customer }));
        checkAnswer(await t.api('GET', `/api/v1/cases/${encodeURIComponent(a)}`, { token: w.tokens.customer }));
        checkAnswer(await t.api('POST', '/api/v1/session', { body: { email: a, password: b } }));
        checkAnswer(await t.api('GET', '/api/v1/me', { headers: { authorization: `Bearer ${encodeURIComponent(a)}` } }));
      }),
      { numRuns: 100 },
    );
  });
});
