/**
 * The case engine's pure core (no I/O), in three parts: the state, its events and the
 * reducer here (`apply` folds events into state); people's actions and the transition
 * table in case-actions.ts; the service's own transitions in case-system.ts. `plan*`
 * turns a request into events (or a DomainError). The service in src/cases persists both
 * in one transaction; nothing else changes a case.
 */
import {
  type ActorKind,
  type CaseStatus,
  type DecisionOutcome,
  type EventType,
  type Money,
  type OpenStatus,
  type Outcome,
  type Reason,
  type Turn,
  isOpen,
} from './model.js';
import { type Duration, addDuration } from './time.js';

export interface CaseState {
  status: CaseStatus;
  dueAt: string | null;
  offer: Money | null;
  /** How many times the merchant used `request_more_info` (at most MAX_INFO_REQUESTS). */
  infoRequestsUsed: number;
  /** Who asked the customer for information, so the reply goes back to them. */
  infoRequestedBy: 'merchant' | 'staff' | null;
  decisions: number;
  firstDeciderId: string | null;
  inAppeal: boolean;
  customerAppealed: boolean;
  merchantAppealed: boolean;
  appealDeadline: string | null;
  final: boolean;
  outcome: Outcome | null;
  /** When the case last entered staff review: the review queue's order. */
  reviewSince: string | null;
  /** The deadline (`dueAt`) whose 48-hour reminder was sent, so a repeated reminder job sends none. */
  reminderSentFor?: string | null;
  /** A refund of this case was recorded as executed: a repeated recording is a no-op. */
  refundRecorded?: boolean;
  /** The remedy was cancelled (refunded elsewhere, chargeback): a refund the provider still made is recorded late. */
  remedyCancelled?: boolean;
  /** The staff member holding the case (SPEC §16: `assign`, `claim`); absent or null: nobody. */
  assigneeId?: string | null;
}

export interface Actor {
  kind: ActorKind;
  id: string | null;
  name: string;
  /** 'platform' when the platform acted for the person (SPEC §14). */
  via?: 'platform' | undefined;
}

export interface AttachmentRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface EventData {
  status?: CaseStatus;
  dueAt?: string | null;
  reason?: Reason;
  outcome?: Outcome | null;
  decision?: DecisionOutcome;
  amount?: number;
  currency?: string;
  appealDeadline?: string | null;
  final?: boolean;
  requestedFrom?: 'customer' | 'merchant';
  provider?: string;
  refundId?: string;
  simulated?: boolean;
  error?: string;
  remainingAttempts?: number;
  /** The decided amount, when less of it could be executed (SPEC §11). */
  plannedAmount?: number;
  /** The payment's total refunded at the provider after a report. */
  refundedAmount?: number;
  /** A refund the provider made after its remedy was cancelled: money moved, recorded as a fact. */
  late?: boolean;
  /** The bank dispute (SPEC §12) the event is about. */
  disputeId?: string;
  /** The dispute's stage at the bank: inquiry, early_warning, chargeback… */
  stage?: string;
  /** The bank's deadline for an answer. */
  respondBy?: string | null;
  /** The merchant's automatic rule that acted (SPEC §12): auto_refund, alert_auto_refund. */
  rule?: 'auto_refund' | 'alert_auto_refund';
  /** `assigned`: who holds the case now (null: nobody) and their name. */
  assigneeId?: string | null;
  assigneeName?: string | null;
}

export interface NewEvent {
  type: EventType;
  actor: Actor;
  message: string | null;
  attachments: AttachmentRef[];
  data: EventData;
  visibility: 'public' | 'staff';
  createdAt: string;
}

/** Work the service must do in the same transaction (ledger rows, outbox rows). */
export type Effect =
  | { kind: 'refund'; amount: number; currency: string }
  | { kind: 'credit'; amount: number; currency: string }
  | { kind: 'payment_refunded'; amount: number };

export interface Plan {
  events: NewEvent[];
  effects: Effect[];
}

export interface Policy {
  deadlines: Record<'merchant_response_needed' | 'customer_info_needed' | 'customer_response_needed' | 'merchant_info_needed', Duration>;
  appealWindow: Duration;
}

export interface PaymentFacts {
  amount: number;
  /** The provider's total refunded, including the refunds made here. */
  refundedAmount: number;
  /** Platform credits issued for the payment. */
  credits: number;
  currency: string;
}

export function turnOf(status: CaseStatus): Turn {
  switch (status) {
    case 'merchant_response_needed':
    case 'merchant_info_needed':
      return 'merchant';
    case 'customer_info_needed':
    case 'customer_response_needed':
      return 'customer';
    case 'under_platform_review':
      return 'staff';
    case 'customer_won':
    case 'merchant_won':
    case 'customer_withdrew':
    case 'chargeback_filed':
      return null;
  }
}

/** What is left of a payment (SPEC §11): no money this service moves ever goes beyond it. */
export function remaining(p: PaymentFacts): number {
  return p.amount - p.refundedAmount - p.credits;
}

/** An outcome that still moves money here (decided or final, not yet executed, or failed). */
export function owesMoney(o: Outcome | null): o is Outcome {
  return (
    o !== null &&
    (o.kind === 'refund' || o.kind === 'partial_refund' || o.kind === 'credit') &&
    (o.execution === 'pending' || o.execution === 'failed')
  );
}

/** The outcome to execute now: the decided one, or what is left of the payment when that is less. */
export function shrunkTo(o: Outcome, left: number): Outcome {
  if (o.amount <= left) return o;
  return { ...o, amount: left, plannedAmount: o.plannedAmount ?? o.amount };
}

function deadline(status: OpenStatus, now: Date, policy: Policy): string | null {
  return status === 'under_platform_review' ? null : addDuration(now, policy.deadlines[status]).toISOString();
}

/** The data of an event that moves the case to `status`, with its new deadline. */
export function moveTo(status: CaseStatus, now: Date, policy: Policy, extra: EventData = {}): EventData {
  return { status, dueAt: isOpen(status) ? deadline(status, now, policy) : null, ...extra };
}

export function initialState(): CaseState {
  return {
    status: 'merchant_response_needed',
    dueAt: null,
    offer: null,
    infoRequestsUsed: 0,
    infoRequestedBy: null,
    decisions: 0,
    firstDeciderId: null,
    inAppeal: false,
    customerAppealed: false,
    merchantAppealed: false,
    appealDeadline: null,
    final: false,
    outcome: null,
    reviewSince: null,
  };
}

/** A final decision's money moves now: a refund through the outbox, a credit in the ledger. */
export function remedyEffects(outcome: Outcome, now: Date): { effects: Effect[]; events: (actor: Actor) => NewEvent[] } {
  if (outcome.kind === 'credit') {
    return {
      effects: [{ kind: 'credit', amount: outcome.amount, currency: outcome.currency }],
      events: (actor) => [
        {
          type: 'credit_issued',
          actor,
          message: null,
          attachments: [],
          data: {
            amount: outcome.amount,
            currency: outcome.currency,
            ...(outcome.plannedAmount !== undefined ? { plannedAmount: outcome.plannedAmount } : {}),
            outcome: { ...outcome, execution: 'succeeded' },
          },
          visibility: 'public',
          createdAt: now.toISOString(),
        },
      ],
    };
  }
  if (outcome.kind === 'refund' || outcome.kind === 'partial_refund')
    return { effects: [{ kind: 'refund', amount: outcome.amount, currency: outcome.currency }], events: () => [] };
  return { effects: [], events: () => [] };
}

export const SYSTEM: Actor = { kind: 'system', id: null, name: 'Resolution Center' };

/** The reducer: the case's state is derived from its events, one at a time. */
export function apply(s: CaseState, e: NewEvent): CaseState {
  const d = e.data;
  const next: CaseState = { ...s };
  if (d.status !== undefined) {
    next.status = d.status;
    next.dueAt = d.dueAt ?? null;
    if (d.status !== 'under_platform_review') next.reviewSince = null;
    else if (s.status !== 'under_platform_review') next.reviewSince = e.createdAt;
    if (d.status !== 'customer_response_needed') next.offer = null;
  }
  if (d.outcome !== undefined) next.outcome = d.outcome;
  if (d.final !== undefined) next.final = d.final;
  switch (e.type) {
    case 'created':
    case 'responded':
    case 'accepted':
    case 'denied':
    case 'offer_accepted':
    case 'withdrew':
    case 'note':
    case 'remedy_retried':
    case 'refund_failed':
    case 'offer_lapsed':
    case 'credit_issued':
    case 'payment_refunded_elsewhere':
    case 'chargeback_filed':
    case 'deadline_passed':
    case 'bank_inquiry':
      break;
    case 'requested_more_info':
      next.infoRequestsUsed += 1;
      next.infoRequestedBy = 'merchant';
      break;
    case 'info_requested':
      if (d.requestedFrom === 'customer') next.infoRequestedBy = 'staff';
      break;
    case 'offered_partial_refund':
      next.offer = { amount: d.amount ?? 0, currency: d.currency ?? '' };
      break;
    case 'escalated':
      break;
    case 'decided':
      next.decisions += 1;
      if (next.decisions === 1) next.firstDeciderId = e.actor.id;
      next.appealDeadline = d.appealDeadline ?? null;
      next.inAppeal = false;
      break;
    case 'appealed':
      next.inAppeal = true;
      next.outcome = null;
      next.appealDeadline = null;
      if (e.actor.kind === 'customer') next.customerAppealed = true;
      if (e.actor.kind === 'merchant') next.merchantAppealed = true;
      break;
    case 'finalized':
      next.appealDeadline = null;
      break;
    case 'assigned':
      next.assigneeId = d.assigneeId ?? null;
      break;
    case 'reminder_sent':
      next.reminderSentFor = d.dueAt ?? null;
      break;
    case 'refund_succeeded':
      next.refundRecorded = true;
      break;
    case 'remedy_cancelled':
      next.appealDeadline = null;
      next.remedyCancelled = true;
      break;
  }
  return next;
}
