/** SPEC §2: who may open a case on a payment. Rules in order; the first broken one is the answer. */
import { FIAT_PROVIDERS, type Provider } from './model.js';
import { type Duration, subtractDuration } from './time.js';

export type IneligibleReason =
  | 'payment_method_ineligible'
  | 'payment_refunded'
  | 'payment_disputed'
  | 'case_already_exists'
  | 'filing_window_passed'
  | 'conflict_of_interest';

export interface EligibilityFacts {
  provider: string;
  status: string;
  amount: number;
  refundedAmount: number;
  paidAt: string;
  merchantId: string;
  hasCase: boolean;
  /** A chargeback (or a later stage) is recorded on the payment (SPEC §12). */
  disputed: boolean;
}

export function eligibility(
  p: EligibilityFacts,
  customerMerchantIds: readonly string[],
  now: Date,
  filingWindow: Duration,
): IneligibleReason | null {
  if (!FIAT_PROVIDERS.includes(p.provider as Provider)) return 'payment_method_ineligible';
  if (p.status === 'refunded' || p.refundedAmount >= p.amount) return 'payment_refunded';
  if (p.disputed) return 'payment_disputed';
  if (p.hasCase) return 'case_already_exists';
  if (p.paidAt < subtractDuration(now, filingWindow).toISOString()) return 'filing_window_passed';
  if (customerMerchantIds.includes(p.merchantId)) return 'conflict_of_interest';
  return null;
}

export const INELIGIBLE_MESSAGES: Record<IneligibleReason, string> = {
  payment_method_ineligible: 'Crypto payments are final and cannot be disputed here.',
  payment_refunded: 'This payment has already been refunded in full.',
  payment_disputed: 'A chargeback was filed with the bank for this payment, so the bank handles it now: a case cannot be opened here.',
  case_already_exists: 'A case has already been opened for this payment.',
  filing_window_passed: 'This payment is too old: the time to open a case has passed.',
  conflict_of_interest: 'You belong to the merchant that was paid, so you cannot open a case on this payment.',
};
