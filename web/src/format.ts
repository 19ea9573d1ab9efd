/** Words and numbers as people read them: money in its currency, times in the viewer's zone. */
import { formatMoney, minorUnitExponent, toDecimalString } from '../../src/domain/money';
import type { Case, ReviewReason } from './api';

/** Money as mail states it too (one formatter, ISO 4217 exponents), in the browser's locale. */
export const money = (minor: number, currency: string): string => formatMoney(minor, currency);
export const exponent = minorUnitExponent;

/** Minor units as a field's value in major units, as `parseMajor` reads it back: 1000 USD → "10", 1050 → "10.5", 500 JPY → "500". */
export function major(minor: number, currency: string): string {
  const s = toDecimalString(minor, currency);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Parses an amount typed in major units ("12.50") into minor units, or null when it is not a valid amount. */
export function parseMajor(input: string, currency: string): number | null {
  const e = exponent(currency);
  const s = input.trim().replace(/\s/g, '').replace(',', '.');
  const re = e === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${e}})?$`);
  if (!re.test(s)) return null;
  const [whole = '0', frac = ''] = s.split('.');
  return Number(whole) * 10 ** e + Number(frac.padEnd(e, '0') || '0');
}

const dateTimes = new Map<string, Intl.DateTimeFormat>();

/** "Dec 1, 2026, 9:18 PM UTC": every time shown names its zone, so two readers in two zones see why they differ. */
export function dateTime(iso: string, timeZone: string): string {
  let f = dateTimes.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
      timeZone,
    });
    dateTimes.set(timeZone, f);
  }
  return f.format(new Date(iso));
}

export function date(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone }).format(new Date(iso));
}

/** "Dec 6": a day inside the next weeks (an appeal window), in the viewer's zone. */
export function shortDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone }).format(new Date(iso));
}

/** "3 days 4 h", "5 h 12 min", "40 s": the time left, coarse when far, fine when near. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} day${d === 1 ? '' : 's'}${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** How long something has waited: "just now" under a minute, then as `duration`. */
export function waited(ms: number): string {
  return ms < 60_000 ? 'just now' : `waiting ${duration(ms)}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const ISSUE_LABELS: Record<Case['issueType'], { title: string; hint: string }> = {
  item_not_received: { title: 'I didn’t receive it', hint: 'The download, access or license never arrived.' },
  significantly_not_as_described: { title: 'Not as described', hint: 'What arrived is clearly different from the listing.' },
  product_unacceptable: { title: 'It doesn’t work', hint: 'Broken files, corrupted downloads, missing parts.' },
  unauthorized_transaction: { title: 'I didn’t make this payment', hint: 'Someone paid without your permission.' },
  forgot_to_cancel: { title: 'I forgot to cancel', hint: 'A renewal or order you meant to stop.' },
  other: { title: 'Something else', hint: 'Tell us in your own words.' },
};

export const STATUS_LABELS: Record<Case['status'], string> = {
  merchant_response_needed: 'Waiting for the merchant',
  customer_info_needed: 'Merchant asked the customer for details',
  customer_response_needed: 'Waiting for the customer',
  merchant_info_needed: 'Platform asked the merchant for details',
  under_platform_review: 'Under review by the platform',
  customer_won: 'Closed: customer refunded',
  merchant_won: 'Closed: in the merchant’s favour',
  customer_withdrew: 'Closed: withdrawn by the customer',
  chargeback_filed: 'Closed: chargeback filed with the bank',
};

/**
 * The status in words. A first decision inside its appeal window has moved no money yet: it
 * says what was decided and when it takes effect ("Refund of $79.00 decided — paid on Dec 6
 * unless appealed"), never that the customer was refunded.
 */
export function statusLabel(c: Pick<Case, 'status' | 'final' | 'appealDeadline' | 'outcome'>, timeZone: string): string {
  if (!c.final && c.appealDeadline && (c.status === 'customer_won' || c.status === 'merchant_won')) {
    const on = shortDate(c.appealDeadline, timeZone);
    const o = c.outcome;
    if (o?.kind === 'refund') return `Refund of ${money(o.amount, o.currency)} decided — paid on ${on} unless appealed`;
    if (o?.kind === 'partial_refund') return `Partial refund of ${money(o.amount, o.currency)} decided — paid on ${on} unless appealed`;
    if (o?.kind === 'credit') return `Credit of ${money(o.amount, o.currency)} decided — issued on ${on} unless appealed`;
    return `Decided for the merchant — final on ${on} unless appealed`;
  }
  return STATUS_LABELS[c.status];
}

export function statusTone(status: Case['status']): 'open' | 'review' | 'won' | 'lost' | 'neutral' {
  switch (status) {
    case 'merchant_response_needed':
    case 'customer_info_needed':
    case 'customer_response_needed':
    case 'merchant_info_needed':
      return 'open';
    case 'under_platform_review':
      return 'review';
    case 'customer_won':
      return 'won';
    case 'merchant_won':
      return 'lost';
    case 'customer_withdrew':
    case 'chargeback_filed':
      return 'neutral';
  }
}

export const PROVIDER_LABELS: Record<string, string> = {
  stripe: 'Card (Stripe)',
  paypal: 'PayPal',
  crypto: 'Crypto',
  coinbase_commerce: 'Coinbase Commerce',
};

export const INELIGIBLE: Record<string, string> = {
  payment_method_ineligible: 'Crypto payments can’t be reversed, so a case can’t be opened for them.',
  payment_refunded: 'This payment has already been refunded in full.',
  payment_disputed: 'A chargeback was filed with your bank for this payment, so your bank handles it now and a case can’t be opened here.',
  case_already_exists: 'A case already exists for this payment.',
  filing_window_passed: 'It’s too late: the window for opening a case on this payment (180 days by default) has passed.',
  conflict_of_interest: 'You’re a member of this merchant, so you can’t open a case against it.',
};

/** Why a case is in the review queue (`reviewReason`), as staff read it on each card and in the filter. */
export const REVIEW_REASON_WORDS: Record<ReviewReason, string> = {
  merchant_unresponsive: 'The merchant did not answer in 7 days',
  customer_request: 'The customer asked the platform to decide',
  merchant_info_unanswered: 'The merchant did not answer staff’s question',
  merchant_info_provided: 'The merchant answered staff’s question',
  customer_info_provided: 'The customer answered staff’s question',
  customer_appeal: 'Appeal by the customer',
  merchant_appeal: 'Appeal by the merchant',
  remedy_failed: 'The refund failed at the payment provider',
  over_refunded: 'Refunds and credits went above what was paid',
};

export const REASON_WORDS: Record<string, string> = {
  merchant_unresponsive: 'the merchant did not answer in time',
  customer_unresponsive: 'the customer did not answer in time',
  customer_request: 'the customer asked the platform to step in',
  appeal: 'a side appealed',
};
