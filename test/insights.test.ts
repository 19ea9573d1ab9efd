/**
 * Merchant insights (SPEC §16) on a small known dataset: rates against the thresholds,
 * outcomes and refunds by issue type and product, weekly buckets, the window.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY, useWorld } from './support/world.js';

let now: number;

const insights = (window?: string, token = w.tokens.merchant, merchant = 'shop') =>
  t.api('GET', `/api/v1/merchants/${merchant}/insights${window ? `?window=${window}` : ''}`, { token });

async function dispute(paymentId: string, stage: string, status: string, at: number) {
  const iso = new Date(at).toISOString();
  // Inquiry ingestion is another issue's: the row is written as the dispute record keeps it.
  await t.app.services.db
    .insertInto('disputes')
    .values({
      id: `dsp_${Math.random().toString(36).slice(2)}`,
      payment_id: paymentId,
      merchant_id: 'shop',
      source: 'stripe',
      external_id: `du_${Math.random().toString(36).slice(2)}`,
      stage,
      status,
      reason: null,
      amount: 10000,
      currency: 'USD',
      respond_by: null,
      network: 'visa',
      alert_kind: null,
      actionable: 0,
      reported_at: iso,
      evidence: null,
      created_at: iso,
      updated_at: iso,
    })
    .execute();
}

const { t, w } = useWorld();
beforeAll(async () => {
  const t0 = Date.parse((await t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
  // 40 days back: a case and a prevented early warning inside 90 days but outside 30.
  const old = await w.openCase({ productName: 'Course' });
  await dispute(old.payment.id, 'early_warning', 'prevented', t0);
  await w.advance('P40D');
  now = t0 + 40 * DAY;
  const paidAt = new Date(now - DAY).toISOString();
  const a = await w.openCase({ productName: 'Course', paidAt });
  const b = await w.openCase({ productName: 'Ebook', paidAt });
  const c = await w.openCase({ productName: 'Course', paidAt });
  const quiet = await w.payment({ productName: 'Ebook', paidAt });
  await w.advance('PT2H');
  expect((await w.act(w.tokens.merchant, a.id, { type: 'respond', message: 'Looking into it.' })).status).toBe(200);
  await w.advance('PT2H');
  expect((await w.act(w.tokens.merchant, b.id, { type: 'accept' })).status).toBe(200);
  await w.advance('PT1S');
  expect((await t.api('POST', `/api/v1/platform/payments/${c.payment.id}/chargeback`, { token: w.platform })).status).toBe(200);
  await dispute(quiet, 'inquiry', 'refunded', now);
  await dispute(quiet, 'inquiry', 'open', now);
  // Another merchant's case never counts here.
  await w.openCase({ merchantId: 'shop2', paidAt });
});

describe('merchant insights', () => {
  it('gives the 30-day dispute and chargeback rates beside the networks’ thresholds', async () => {
    const r = await insights('30d');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const i = r.body;
    expect(i.window).toBe('30d');
    expect(i.payments).toBe(4);
    expect(i.cases).toBe(3);
    expect(i.disputeRate).toBe(0.75);
    expect(i.chargebacks).toBe(1);
    expect(i.chargebackRate).toBe(0.25);
    expect(i.inquiriesPrevented).toBe(1);
    expect(i.thresholds).toEqual({ visa: 0.009, mastercard: 0.015 });
    expect(i.outcomes).toEqual({ customer_won: 1, merchant_won: 0, customer_withdrew: 0, chargeback_filed: 1 });
    expect(i.refunded).toEqual({ USD: 10000 });
    expect(i.medianFirstResponseMs).toBe(3 * 3600 * 1000);
    expect(i.answeredCases).toBe(2);
    expect(i.openCases).toBe(2);
  });

  it('splits cases, outcomes and refunds by issue type and by product', async () => {
    const i = (await insights('30d')).body;
    expect(i.byIssueType).toEqual([
      {
        key: 'item_not_received',
        cases: 3,
        outcomes: { customer_won: 1, merchant_won: 0, customer_withdrew: 0, chargeback_filed: 1 },
        refunded: { USD: 10000 },
      },
    ]);
    expect(i.byProduct.map((g: { key: string; cases: number }) => [g.key, g.cases])).toEqual([
      ['Course', 2],
      ['Ebook', 1],
    ]);
    expect(i.byProduct[1].refunded).toEqual({ USD: 10000 });
    expect(i.byProduct[0].outcomes.chargeback_filed).toBe(1);
  });

  it('buckets the window by week, and the weeks add up to the window', async () => {
    const i = (await insights('30d')).body;
    const weeks = i.weekly as { weekStart: string; weekEnd: string; opened: number; payments: number; chargebacks: number }[];
    expect(weeks.length).toBeGreaterThanOrEqual(5);
    expect(weeks.length).toBeLessThanOrEqual(6);
    expect(weeks[0]!.weekStart).toBe(i.from);
    for (const [k, x] of weeks.entries()) if (k > 0) expect(new Date(x.weekStart).getUTCDay(), x.weekStart).toBe(1);
    expect(weeks.reduce((n, x) => n + x.opened, 0)).toBe(3);
    expect(weeks.reduce((n, x) => n + x.payments, 0)).toBe(4);
    expect(weeks.at(-1)).toMatchObject({ opened: 3, chargebacks: 1 });
  });

  it('takes in 90 days what the 30 leave out, and defaults to 30', async () => {
    const i = (await insights('90d')).body;
    expect([i.cases, i.payments, i.disputeRate, i.inquiriesPrevented]).toEqual([4, 5, 0.8, 2]);
    expect(i.weekly.length).toBeGreaterThanOrEqual(13);
    expect((await insights()).body.window).toBe('30d');
    expect((await insights('7d')).status).toBe(400);
  });

  it('is the merchant’s and staff’s only', async () => {
    expect((await insights('30d', w.tokens.staff)).status).toBe(200);
    expect((await insights('30d', w.tokens.otherMerchant)).status).toBe(404);
    expect((await insights('30d', w.tokens.customer)).status).toBe(404);
    expect((await insights('30d', w.tokens.merchant, 'shop2')).status).toBe(404);
  });
});
