/** Words and numbers as people read them: money in its currency, times in the viewer's zone. */
import type { Case } from './api';

// ISO 4217 minor-unit exponents that are not 2 (the server stores minor units).
const ZERO = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

export function exponent(currency: string): number {
  if (ZERO.has(currency)) return 0;
  if (THREE.has(currency)) return 3;
  return 2;
}

export function money(minor: number, currency: string): string {
  const e = exponent(currency);
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency,
    minimumFractionDigits: e,
    maximumFractionDigits: e,
  }).format(minor / 10 ** e);
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

export function dateTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

export function date(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone }).format(new Date(iso));
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

/** The status in words; a decision that can still be appealed is not "closed" yet. */
export function statusLabel(c: Pick<Case, 'status' | 'final' | 'appealDeadline'>): string {
  if (!c.final && c.appealDeadline) {
    if (c.status === 'customer_won') return 'Decided: customer refunded (appeal possible)';
    if (c.status === 'merchant_won') return 'Decided: in the merchant’s favour (appeal possible)';
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

export const REASON_WORDS: Record<string, string> = {
  merchant_unresponsive: 'the merchant did not answer in time',
  customer_unresponsive: 'the customer did not answer in time',
  customer_request: 'the customer asked the platform to step in',
  appeal: 'a side appealed',
};
