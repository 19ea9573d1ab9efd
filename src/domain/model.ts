/** The vocabulary of SPEC.md: statuses, roles, actions, events, outcomes. */

export const OPEN_STATUSES = [
  'merchant_response_needed',
  'customer_info_needed',
  'customer_response_needed',
  'merchant_info_needed',
  'under_platform_review',
] as const;
export const CLOSED_STATUSES = ['customer_won', 'merchant_won', 'customer_withdrew', 'chargeback_filed'] as const;
export const CASE_STATUSES = [...OPEN_STATUSES, ...CLOSED_STATUSES] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];
export type CaseStatus = (typeof CASE_STATUSES)[number];

export function isOpen(status: CaseStatus): status is OpenStatus {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

export const ISSUE_TYPES = [
  'item_not_received',
  'significantly_not_as_described',
  'unauthorized_transaction',
  'forgot_to_cancel',
  'product_unacceptable',
  'other',
] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];

export const PROVIDERS = ['stripe', 'paypal', 'crypto', 'coinbase_commerce'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const FIAT_PROVIDERS: readonly Provider[] = ['stripe', 'paypal'];

export const PAYMENT_STATUSES = ['succeeded', 'refunded', 'partially_refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A person's role in one case; `system` is the service itself. */
export type PartyRole = 'customer' | 'merchant' | 'staff';
export type ActorKind = PartyRole | 'system';
export type Turn = PartyRole | null;

export const PEOPLE_ACTIONS = [
  'respond',
  'accept',
  'deny',
  'request_more_info',
  'offer_partial_refund',
  'accept_offer',
  'escalate',
  'withdraw',
  'request_customer_info',
  'request_merchant_info',
  'decide',
  'appeal',
  'note',
  'retry_remedy',
  'credit_instead',
  'assign',
  'claim',
] as const;
export type PeopleActionType = (typeof PEOPLE_ACTIONS)[number];

export const DECISION_OUTCOMES = ['merchant_wins', 'refund', 'credit'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** SPEC §6: escalations, passed deadlines and every closing event say why in `data.reason`. */
export const EVENT_REASONS = [
  'merchant_unresponsive',
  'customer_unresponsive',
  'customer_request',
  'appeal',
  'merchant_accepted',
  'offer_accepted',
  'customer_withdrew',
  'staff_decision',
  'refunded_elsewhere',
  'chargeback',
  /** An offer or a pending remedy gave way to a refund made outside (SPEC §11). */
  'payment_refunded_elsewhere',
] as const;
export type Reason = (typeof EVENT_REASONS)[number];

export const EVENT_TYPES = [
  'created',
  'responded',
  'accepted',
  'denied',
  'requested_more_info',
  'offered_partial_refund',
  'offer_accepted',
  'escalated',
  'info_requested',
  'decided',
  'appealed',
  'withdrew',
  'deadline_passed',
  'finalized',
  'refund_succeeded',
  'refund_failed',
  'credit_issued',
  'payment_refunded_elsewhere',
  'chargeback_filed',
  'note',
  'reminder_sent',
  'remedy_retried',
  'offer_lapsed',
  'remedy_cancelled',
  /** A bank's inquiry or early fraud warning about the payment (SPEC §12): nothing closes. */
  'bank_inquiry',
  'assigned',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type OutcomeKind = 'refund' | 'partial_refund' | 'credit' | 'none' | 'refunded_elsewhere';
export type Execution = 'pending' | 'succeeded' | 'failed';

export interface Outcome {
  kind: OutcomeKind;
  amount: number;
  currency: string;
  fundedBy: 'merchant' | 'platform' | null;
  execution: Execution | null;
  /** Set when less than was decided could be executed (the rest was refunded elsewhere): the decided amount. */
  plannedAmount?: number;
}

export interface Money {
  amount: number;
  currency: string;
}
