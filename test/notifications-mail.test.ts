/**
 * Emails of SPEC §8 through a real SMTP server on loopback: every row of the
 * table reaches the right people with both parts, the deadline in the reader's
 * zone and a link; hostile text arrives inert; notes are never mailed;
 * reminders come 48 hours before a deadline, once.
 */
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../src/outbox/outbox.js';
import { SimulatedProvider } from '../src/payments/provider.js';
import { PLATFORM_KEY } from './support/harness.js';
import type { ReceivedMail } from './support/smtp.js';
import { useWorld } from './support/world.js';

const CUSTOMER = 'cust@test.example';
const SUPPORT = 'support@shop.example';
const MEMBER = 'merch@test.example';
const MERCHANT_SIDE = [MEMBER, SUPPORT];
const BOTH = [CUSTOMER, MEMBER, SUPPORT];

let seen = 0;

const simulated = new SimulatedProvider('stripe');
const { t, w, smtp } = useWorld({
  smtp: true,
  parts: {
    providers: {
      // A payment whose provider id starts with pi_fail is refused: the remedy-failed mail.
      stripe: {
        name: 'stripe',
        simulated: true,
        refund: (req) =>
          req.providerPaymentId.startsWith('pi_fail') ? Promise.reject(new PermanentError('card_declined')) : simulated.refund(req),
      },
      paypal: new SimulatedProvider('paypal'),
    },
  },
});

/** Runs everything due (the dev clock with no move) and returns the mails that arrived meanwhile. */
async function delivered(advance = 'PT0S'): Promise<ReceivedMail[]> {
  await w.advance(advance);
  const fresh = smtp.mails.slice(seen);
  seen = smtp.mails.length;
  return fresh;
}
const recipients = (mails: ReceivedMail[]) => mails.flatMap((m) => m.envelopeTo).sort();

function expectWellFormed(m: ReceivedMail, caseId: string) {
  expect(m.subject).toContain(`[Resolution Center] Case ${caseId} (`);
  expect(m.text.length).toBeGreaterThan(50);
  expect(m.html).toContain('<html>');
  expect(m.text).toContain(`${t.config.publicUrl}/cases/${caseId}`);
  expect(m.html).toContain(`href="${t.config.publicUrl}/cases/${caseId}"`);
  expect(m.messageId).toMatch(/^<mail-evt_[\w-]+-[0-9a-f]{16}@rc\.test>$/);
  expect(m.parsed.headers.get('x-resolution-center-case')).toBe(caseId);
}

async function act(token: string, caseId: string, body: Record<string, unknown>) {
  const r = await w.act(token, caseId, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe('emails over SMTP', () => {
  it('confirms a new case to the customer and tells the merchant, with the deadline in each reader’s zone', async () => {
    const c = await w.openCase();
    expect(c.dueAt).toBe('2026-03-09T09:00:00.000Z');
    const mails = await delivered();
    expect(recipients(mails)).toEqual(BOTH);
    for (const m of mails) expectWellFormed(m, c.id);
    const [toCustomer] = smtp.to(CUSTOMER).slice(-1);
    const [toSupport] = smtp.to(SUPPORT).slice(-1);
    const [toMember] = smtp.to(MEMBER).slice(-1);
    expect(toCustomer?.subject).toBe(`[Resolution Center] Case ${c.id} (Course) — your case is open`);
    expect(toSupport?.subject).toBe(`[Resolution Center] Case ${c.id} (Course) — new case from Cora Customer`);
    // Paris is UTC+1 in March; New York moved to daylight time on 8 March; the support inbox reads UTC.
    expect(toCustomer?.text).toContain('Mon, 9 Mar 2026, 10:00 CET (Europe/Paris), 7 days from now');
    expect(toMember?.text).toContain('Mon, 9 Mar 2026, 05:00 GMT-4 (America/New_York), 7 days from now');
    expect(toSupport?.text).toContain('Mon, 9 Mar 2026, 09:00 UTC, 7 days from now');
    expect(toMember?.html).toContain('Mon, 9 Mar 2026, 05:00 GMT-4 (America/New_York)');
    expect(toSupport?.text).toContain('It never arrived in my library.');
    expect(toSupport?.text).toContain('accept (full refund), deny');
    expect(toCustomer?.parsed.from?.text).toContain('no-reply@rc.test');
  });

  it('sends every row of the table to the right side, never to the side that acted', async () => {
    const c = await w.openCase();
    await delivered();
    const step = async (token: string, body: Record<string, unknown>, expected: string[], subject: string) => {
      await act(token, c.id, body);
      const mails = await delivered();
      expect(recipients(mails), `${String(body.type)} → ${subject}`).toEqual(expected);
      for (const m of mails) {
        expectWellFormed(m, c.id);
        expect(m.subject).toContain(subject);
      }
      return mails;
    };
    const replied = await step(w.tokens.merchant, { type: 'respond', message: 'Looking into it.' }, [CUSTOMER], 'Mia Merchant replied');
    expect(replied[0]?.text).toContain('> Looking into it.');
    await step(
      w.tokens.merchant,
      { type: 'request_more_info', message: 'Which email did you buy with?' },
      [CUSTOMER],
      'asked you for more information',
    );
    await step(w.tokens.customer, { type: 'respond', message: 'cora@example.org' }, MERCHANT_SIDE, 'Cora Customer replied');
    const offer = await step(
      w.tokens.merchant,
      { type: 'offer_partial_refund', amount: 2500, message: 'Half the course?' },
      [CUSTOMER],
      'Shop One made an offer',
    );
    expect(offer[0]?.text).toContain('$25.00');
    expect(offer[0]?.text).toContain('Accept the offer of $25.00');
    await step(w.tokens.customer, { type: 'escalate', message: 'Not enough.' }, MERCHANT_SIDE, 'escalated');
    await step(w.tokens.staff, { type: 'note', message: 'Internal: merchant has a history.' }, [], '');
    await step(w.tokens.staff, { type: 'request_customer_info', message: 'Send a screenshot, please.' }, BOTH, 'Sara Staff asked');
    await step(w.tokens.customer, { type: 'respond', message: 'Here it is.' }, MERCHANT_SIDE, 'Cora Customer replied');
    const decided = await step(
      w.tokens.staff,
      { type: 'decide', outcome: 'refund', message: 'The course was never delivered.' },
      BOTH,
      'refund of $100.00 decided — paid on 9 Mar 2026 unless appealed',
    );
    expect(decided.find((m) => m.envelopeTo[0] === CUSTOMER)?.text).toContain('Nothing has been paid yet');
    expect(decided.find((m) => m.envelopeTo[0] === CUSTOMER)?.text).toMatch(/appeal this decision once, until Mon, 9 Mar 2026/);
    await step(w.tokens.merchant, { type: 'appeal', message: 'We did deliver it.' }, [CUSTOMER], 'Mia Merchant appealed');
    const final = await step(
      w.tokens.staff2,
      { type: 'decide', outcome: 'credit', message: 'A credit is fairer.' },
      [...BOTH, ...BOTH].sort(),
      '',
    );
    expect(final.filter((m) => m.subject.includes('decided: platform credit'))).toHaveLength(3);
    expect(final.filter((m) => m.subject.includes('credit of $100.00 issued'))).toHaveLength(3);
    // The staff note's text is in no mail, ever.
    expect(smtp.mails.filter((m) => m.raw.includes('merchant has a history'))).toEqual([]);
  });

  it('mails denial, withdrawal, acceptance and the refund that follows', async () => {
    const a = await w.openCase();
    await delivered();
    await act(w.tokens.merchant, a.id, { type: 'deny', message: 'Delivered on time.' });
    let mails = await delivered();
    expect(recipients(mails)).toEqual([CUSTOMER]);
    expect(mails[0]?.subject).toContain('request denied');
    expect(mails[0]?.text).toContain('Escalate the case');
    await act(w.tokens.customer, a.id, { type: 'withdraw' });
    mails = await delivered();
    expect(recipients(mails)).toEqual(MERCHANT_SIDE);
    expect(mails[0]?.subject).toContain('Cora Customer withdrew the case');

    const b = await w.openCase();
    await delivered();
    await act(w.tokens.merchant, b.id, { type: 'accept' });
    mails = await delivered();
    // The acceptance to the customer, then the executed refund to both sides.
    expect(recipients(mails)).toEqual([CUSTOMER, ...BOTH].sort());
    expect(mails.find((m) => m.subject.includes('accepted: full refund'))?.envelopeTo).toEqual([CUSTOMER]);
    expect(mails.filter((m) => m.subject.includes('refund of $100.00 sent'))).toHaveLength(3);

    const f = await w.openCase({ providerPaymentId: `pi_fail_${Date.now()}` });
    await delivered();
    await act(w.tokens.merchant, f.id, { type: 'accept' });
    mails = await delivered();
    expect(
      mails
        .filter((m) => m.subject.includes('refund failed'))
        .flatMap((m) => m.envelopeTo)
        .sort(),
    ).toEqual(BOTH);
  });

  it('mails closures reported by the platform and by deadlines', async () => {
    const cb = await w.openCase();
    const refunded = await w.openCase();
    await delivered();
    expect((await t.api('POST', `/api/v1/platform/payments/${cb.payment.id}/chargeback`, { token: PLATFORM_KEY })).status).toBe(200);
    let mails = await delivered();
    expect(recipients(mails)).toEqual(BOTH);
    expect(mails[0]?.subject).toContain('closed: chargeback filed');
    const put = await t.api('PUT', `/api/v1/platform/payments/${refunded.payment.id}`, {
      token: PLATFORM_KEY,
      body: {
        customerId: 'cust',
        merchantId: 'shop',
        amount: 10000,
        currency: 'USD',
        provider: 'stripe',
        providerPaymentId: `pi_${refunded.payment.id}`,
        status: 'refunded',
        productName: 'Course',
        paidAt: refunded.payment.paidAt,
      },
    });
    expect(put.status).toBe(200);
    mails = await delivered();
    expect(recipients(mails)).toEqual(BOTH);
    expect(mails[0]?.subject).toContain('closed: payment refunded');

    // A silent merchant: escalated after 7 days (and no stale reminder once it left that status).
    const silent = await w.openCase();
    const denied = await w.openCase();
    const decided = await w.openCase();
    await delivered();
    await act(w.tokens.merchant, denied.id, { type: 'deny', message: 'No.' });
    await delivered();
    mails = await delivered('P7DT1M');
    const about = (id: string) => mails.filter((m) => m.parsed.headers.get('x-resolution-center-case') === id);
    expect(recipients(about(silent.id).filter((m) => m.subject.includes('escalated')))).toEqual(BOTH);
    expect(recipients(about(denied.id).filter((m) => m.subject.includes('deadline passed: case closed')))).toEqual(BOTH);
    expect(mails.filter((m) => m.subject.includes('reminder'))).toEqual([]);

    await act(w.tokens.staff, decided.id, { type: 'decide', outcome: 'merchant_wins', message: 'Delivered.' });
    await delivered();
    mails = await delivered('P7DT1M');
    expect(recipients(mails.filter((m) => m.subject.includes('the decision is final')))).toEqual(BOTH);
  });

  it('reminds the party whose turn it is 48 hours before the deadline, once, and again for a moved deadline', async () => {
    const c = await w.openCase();
    await delivered();
    const due = Date.parse(c.dueAt as string);
    const { body: clock } = await t.api('GET', '/api/v1/platform/dev/clock', { token: PLATFORM_KEY });
    const untilReminder = due - 48 * 3600_000 - Date.parse(clock.now);
    expect(untilReminder).toBe(5 * 24 * 3600_000);
    // One minute early: nothing.
    let mails = await delivered('P4DT23H59M');
    expect(mails.filter((m) => m.subject.includes('reminder'))).toEqual([]);
    mails = await delivered('PT1M');
    expect(recipients(mails)).toEqual(MERCHANT_SIDE);
    expect(mails[0]?.subject).toBe(`[Resolution Center] Case ${c.id} (Course) — reminder: 48 hours left`);
    expect(mails.find((m) => m.envelopeTo[0] === MEMBER)?.text).toContain('(America/New_York), 48 hours from now');
    expect(mails.find((m) => m.envelopeTo[0] === SUPPORT)?.text).toMatch(/\d\d:\d\d UTC, 48 hours from now/);
    const timeline = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer })).body.timeline as { type: string }[];
    expect(timeline.filter((e) => e.type === 'reminder_sent')).toHaveLength(1);
    // Once.
    expect(await delivered('PT1H')).toEqual([]);

    // The merchant asks for info: the customer's new deadline gets its own reminder.
    await act(w.tokens.merchant, c.id, { type: 'request_more_info', message: 'Order number?' });
    await delivered();
    mails = await delivered('P5D');
    expect(recipients(mails)).toEqual([CUSTOMER]);
    expect(mails[0]?.subject).toContain('reminder: 48 hours left');
    expect(mails[0]?.text).toContain('(Europe/Paris), 48 hours from now');
  });

  it('keeps hostile text inert: no markup in HTML, no injected headers or recipients', async () => {
    const evil = 'Eve\r\nBcc: victim@evil.example\r\nX-Injected: 1';
    expect(
      (
        await t.api('PUT', '/api/v1/platform/users/evil', {
          token: PLATFORM_KEY,
          body: { email: 'evil@test.example', name: evil, password: 'correct horse battery', timeZone: 'Asia/Tokyo' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await t.api('PUT', '/api/v1/platform/merchants/evilshop', {
          token: PLATFORM_KEY,
          body: { name: 'Shop\r\nBcc: victim@evil.example', supportEmail: 'help@evilshop.example', memberIds: ['merch'] },
        })
      ).status,
    ).toBe(200);
    const login = await t.api('POST', '/api/v1/session', { body: { email: 'evil@test.example', password: 'correct horse battery' } });
    const paymentId = await w.payment({
      customerId: 'evil',
      merchantId: 'evilshop',
      productName: '<script>alert(1)</script>\r\nSubject: hacked',
    });
    const hostile = '<script>alert("x")</script>\r\nBcc: victim@evil.example\r\n\r\n<img src=x onerror=alert(1)> & "quotes"';
    const open = await t.api('POST', '/api/v1/cases', {
      token: login.body.token,
      body: { paymentId, issueType: 'other', description: hostile },
    });
    expect(open.status).toBe(201);
    await act(w.tokens.merchant, open.body.id, { type: 'respond', message: hostile });
    const mails = await delivered();
    expect(recipients(mails)).toEqual(['evil@test.example', 'evil@test.example', 'help@evilshop.example', MEMBER].sort());
    for (const m of mails) {
      expect(m.envelopeTo).toHaveLength(1);
      expect(m.parsed.headers.has('bcc')).toBe(false);
      expect(m.parsed.headers.has('x-injected')).toBe(false);
      expect(m.subject).not.toMatch(/[\r\n]/);
      expect(m.subject).toContain('<script>alert(1)</script> Subject: hacked');
      expect(m.html).not.toMatch(/<script|<img/i);
      expect(m.html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
      expect(m.text).toContain('> <script>alert("x")</script>');
      // Line breaks in names and messages never reach the header block.
      const headerBlock = m.raw.slice(0, m.raw.indexOf('\r\n\r\n'));
      expect(headerBlock).not.toMatch(/\r\n(Bcc|X-Injected|Subject: hacked)/i);
      expect(m.text).not.toMatch(/Shop\nBcc/);
    }
    const toEve = mails.find((m) => m.envelopeTo[0] === 'evil@test.example');
    expect(toEve?.parsed.to && !Array.isArray(toEve.parsed.to) ? toEve.parsed.to.value : []).toHaveLength(1);
  });

  it('turns the local mailbox off while SMTP is configured', async () => {
    const platform = await t.api('GET', '/api/v1/platform/dev/mailbox', { token: PLATFORM_KEY });
    expect(platform.status).toBe(404);
    expect(platform.body.code).toBe('not_found');
    const person = await t.api('GET', '/api/v1/dev/mailbox', { token: w.tokens.customer });
    expect(person.status).toBe(404);
  });
});
