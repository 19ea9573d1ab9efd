/**
 * What a mail says about money and about a decision not yet final (issues #15, #22): one
 * formatter with the ISO 4217 exponents for mail and the web app, and a first decision that
 * says what has not happened yet and when it will.
 */
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/domain/money.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const ok = async (p: Promise<{ status: number; body: any }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

/** The customer's mails about one case, newest first, once the worker has sent them. */
async function customerMail(caseId: string): Promise<{ subject: string; text: string; html: string }[]> {
  await w.advance('PT0S');
  return (await ok(t.api('GET', `/api/v1/dev/mailbox?caseId=${caseId}`, { token: w.tokens.customer }))).data;
}

describe('money in mail', () => {
  // Intl puts a no-break space between a currency code and the amount.
  it('has the ISO 4217 decimals: HUF 2, CLF 4, JPY 0', async () => {
    for (const [currency, amount, offer, words] of [
      ['HUF', 10000, 5000, 'HUF\u00a050.00'],
      ['CLF', 100000, 2500, 'CLF\u00a00.2500'],
      ['JPY', 4500, 1500, '¥1,500'],
    ] as const) {
      const c = await w.openCase({ currency, amount });
      await ok(w.act(w.tokens.merchant, c.id, { type: 'offer_partial_refund', amount: offer, message: 'Part of it?' }));
      const [mail] = await customerMail(c.id);
      expect(mail?.text, currency).toContain(`offered a partial refund of ${words}.`);
      expect(mail?.text, currency).toContain(`Accept the offer of ${words}`);
    }
  });

  it('is the one formatter the web app uses too (web/src/format.ts re-exports it)', () => {
    expect(formatMoney(10000, 'HUF', 'en-US')).toBe('HUF\u00a0100.00');
    expect(formatMoney(7900, 'USD', 'en-US')).toBe('$79.00');
    expect(formatMoney(1234, 'KWD', 'en-US')).toBe('KWD\u00a01.234');
    expect(formatMoney(12345, 'UYW', 'en-US')).toBe('UYW\u00a01.2345');
    expect(formatMoney(9007199254740991, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
  });
});

describe('a first decision inside its appeal window', () => {
  it('says what was decided, that nothing has moved yet, and when it will', async () => {
    const escalate = async () => {
      const c = await w.openCase({ amount: 7900 });
      await ok(w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.' }));
      await ok(w.act(w.tokens.customer, c.id, { type: 'escalate' }));
      return c.id as string;
    };
    const refund = await escalate();
    await ok(w.act(w.tokens.staff, refund, { type: 'decide', outcome: 'refund', message: 'Refund it.' }));
    const [r] = await customerMail(refund);
    // The customer's zone is Europe/Paris; the window closes 7 days after the decision.
    expect(r?.subject).toContain('refund of $79.00 decided — paid on 9 Mar 2026 unless appealed');
    expect(r?.text).toContain(
      'Nothing has been paid yet: Shop One refunds $79.00 on Mon, 9 Mar 2026, 10:00 CET (Europe/Paris), when the appeal window closes, unless either side appeals before then.',
    );
    expect(r?.html).toContain('Nothing has been paid yet');

    const credit = await escalate();
    await ok(w.act(w.tokens.staff, credit, { type: 'decide', outcome: 'credit', amount: 2000, message: 'Credit.' }));
    const [cr] = await customerMail(credit);
    expect(cr?.subject).toContain('credit of $20.00 decided — issued on 9 Mar 2026 unless appealed');
    expect(cr?.text).toContain('Nothing has been credited yet');

    const none = await escalate();
    await ok(w.act(w.tokens.staff, none, { type: 'decide', outcome: 'merchant_wins', message: 'No refund.' }));
    const [n] = await customerMail(none);
    expect(n?.subject).toContain('decided for Shop One — final on 9 Mar 2026 unless appealed');
  });
});
