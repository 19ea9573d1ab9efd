/**
 * The case engine's pure core: state, events, the transition table and the
 * reducer. No I/O. `plan*` turns a request into events (or a DomainError);
 * `apply` folds events into state. The service in src/cases persists both in
 * one transaction; nothing else changes a case.
 */
import { DomainError } from './errors.js';
import {
  type ActorKind,
  type CaseStatus,
  type DecisionOutcome,
  type EventType,
  type Money,
  type OpenStatus,
  type Outcome,
  type PartyRole,
  type PeopleActionType,
  type Reason,
  type Turn,
  CLOSED_STATUSES,
  OPEN_STATUSES,
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

export interface ActionContext {
  role: PartyRole;
  actor: Actor;
  now: Date;
  policy: Policy;
  payment: PaymentFacts;
}

export interface ActionInput {
  type: PeopleActionType;
  message?: string | undefined;
  amount?: number | undefined;
  outcome?: DecisionOutcome | undefined;
  attachments?: AttachmentRef[];
  /** `assign`: the staff member to hold the case (looked up by the service), or null for nobody. */
  assignee?: { id: string; name: string } | null | undefined;
}

export const MAX_INFO_REQUESTS = 2;
/** Files per submission (opening, reply, appeal: SPEC §7). */
export const MAX_ATTACHMENTS = 3;

/**
 * Why a guard refuses, as plain data: `availableActions` asks every guard on every case
 * it shows, and only `refusal` needs an Error (with its stack trace) to throw.
 */
interface Refused {
  status: number;
  code: string;
  message: string;
}

const refused = (status: number, code: string, message: string): Refused => ({ status, code, message });

/** What a guard may know: the caller, and the payment's facts where the caller has them. */
type GuardContext = Pick<ActionContext, 'actor' | 'now' | 'role'> & { payment?: PaymentFacts };
type Guard = (s: CaseState, ctx: GuardContext) => Refused | null;

export interface ActionRule {
  roles: readonly PartyRole[];
  from: readonly CaseStatus[];
  /** The next status when it is fixed; `null` when it depends on the input or stays. */
  to: CaseStatus | null;
  message: 'required' | 'optional';
  /** Reasons beyond status and role that refuse the action, with their own code. */
  guard?: Guard;
}

/**
 * SPEC §16: a case is with staff while it is under review, or while a party answers an
 * information request staff made (a merchant_info_needed request is always staff's).
 */
const withStaff: Guard = (s) =>
  s.status === 'under_platform_review' ||
  s.status === 'merchant_info_needed' ||
  (s.status === 'customer_info_needed' && s.infoRequestedBy === 'staff')
    ? null
    : refused(
        409,
        'action_not_allowed',
        'Only a case with staff can be assigned: under review, or waiting on an information request staff made.',
      );

const STAFF_STATUSES: readonly CaseStatus[] = ['under_platform_review', 'customer_info_needed', 'merchant_info_needed'];

const remedyFailed: Guard = (s, ctx) => {
  if (s.outcome?.execution !== 'failed') return refused(409, 'action_not_allowed', 'No failed remedy on this case.');
  if (ctx.payment && remaining(ctx.payment) <= 0)
    return refused(409, 'action_not_allowed', 'Nothing is left of the payment: it was refunded or credited in full.');
  return null;
};

/**
 * The transition table (SPEC §4): who may do what in which status, and where it
 * leads. `availableActions` and the API's refusals are both computed from it.
 */
export const ACTIONS: Record<PeopleActionType, ActionRule> = {
  respond: { roles: ['customer', 'merchant', 'staff'], from: OPEN_STATUSES, to: null, message: 'optional' },
  accept: {
    roles: ['merchant'],
    from: ['merchant_response_needed', 'customer_response_needed', 'under_platform_review'],
    to: 'customer_won',
    message: 'optional',
  },
  deny: { roles: ['merchant'], from: ['merchant_response_needed'], to: 'customer_response_needed', message: 'required' },
  request_more_info: {
    roles: ['merchant'],
    from: ['merchant_response_needed'],
    to: 'customer_info_needed',
    message: 'required',
    guard: (s) =>
      s.infoRequestsUsed >= MAX_INFO_REQUESTS
        ? refused(409, 'limit_reached', `A merchant may request more information at most ${MAX_INFO_REQUESTS} times per case.`)
        : null,
  },
  offer_partial_refund: {
    roles: ['merchant'],
    from: ['merchant_response_needed'],
    to: 'customer_response_needed',
    message: 'required',
    // An offer is more than 0 and less than what is left: with 1 minor unit left there is none.
    guard: (_s, ctx) =>
      ctx.payment && remaining(ctx.payment) < 2
        ? refused(409, 'action_not_allowed', 'Too little of the payment is left for a partial offer: accept or deny instead.')
        : null,
  },
  accept_offer: {
    roles: ['customer'],
    from: ['customer_response_needed'],
    to: 'customer_won',
    message: 'optional',
    guard: (s, ctx) => {
      if (!s.offer) return refused(409, 'action_not_allowed', 'There is no open offer to accept.');
      // A report lapses such an offer in its own transaction; this is the check at execution time.
      if (ctx.payment && s.offer.amount > remaining(ctx.payment))
        return refused(409, 'action_not_allowed', 'The offer is more than is left of the payment: it has lapsed.');
      return null;
    },
  },
  escalate: {
    roles: ['customer'],
    from: ['customer_response_needed'],
    to: 'under_platform_review',
    message: 'optional',
  },
  withdraw: { roles: ['customer'], from: OPEN_STATUSES, to: 'customer_withdrew', message: 'optional' },
  request_customer_info: {
    roles: ['staff'],
    from: ['under_platform_review'],
    to: 'customer_info_needed',
    message: 'required',
  },
  request_merchant_info: {
    roles: ['staff'],
    from: ['under_platform_review'],
    to: 'merchant_info_needed',
    message: 'required',
  },
  decide: {
    roles: ['staff'],
    from: ['under_platform_review'],
    to: null,
    message: 'required',
    guard: (s, { actor }) =>
      s.inAppeal && s.firstDeciderId === actor.id
        ? refused(403, 'same_reviewer', 'An appeal must be decided by another staff member than the first decision.')
        : null,
  },
  appeal: {
    roles: ['customer', 'merchant'],
    from: ['customer_won', 'merchant_won'],
    to: 'under_platform_review',
    message: 'required',
    guard: (s, { now }) => {
      if (s.decisions !== 1 || s.final || !s.appealDeadline)
        return refused(409, 'action_not_allowed', 'Only a first staff decision can be appealed.');
      if (s.customerAppealed || s.merchantAppealed) return refused(409, 'action_not_allowed', 'This case has already been appealed once.');
      if (now.toISOString() >= s.appealDeadline) return refused(409, 'action_not_allowed', 'The appeal window has closed.');
      return null;
    },
  },
  note: { roles: ['staff'], from: [...OPEN_STATUSES, ...CLOSED_STATUSES], to: null, message: 'required' },
  retry_remedy: { roles: ['staff'], from: CLOSED_STATUSES, to: null, message: 'optional', guard: remedyFailed },
  credit_instead: {
    roles: ['staff'],
    from: CLOSED_STATUSES,
    to: null,
    message: 'required',
    guard: (s, ctx) =>
      remedyFailed(s, ctx) ??
      (s.outcome?.kind === 'refund' || s.outcome?.kind === 'partial_refund'
        ? null
        : refused(409, 'action_not_allowed', 'Only a failed refund can be replaced by a credit.')),
  },
  // SPEC §16: assign overrides whoever holds the case; claim takes it only when nobody else does.
  assign: { roles: ['staff'], from: STAFF_STATUSES, to: null, message: 'optional', guard: withStaff },
  claim: {
    roles: ['staff'],
    from: STAFF_STATUSES,
    to: null,
    message: 'optional',
    guard: (s, ctx) => {
      const why = withStaff(s, ctx);
      if (why) return why;
      if (s.assigneeId && s.assigneeId === ctx.actor.id) return refused(409, 'action_not_allowed', 'You already hold this case.');
      if (s.assigneeId) return refused(409, 'already_assigned', 'Another staff member holds this case: ask them, or assign it.');
      return null;
    },
  },
};

/** Why `type` is refused to this caller now, or null when it is allowed. */
export function refusal(s: CaseState, type: PeopleActionType, ctx: GuardContext) {
  const rule = ACTIONS[type];
  if (!rule.roles.includes(ctx.role))
    return new DomainError(403, 'forbidden', `A ${ctx.role} cannot ${type.replaceAll('_', ' ')} on a case.`);
  if (!rule.from.includes(s.status))
    return new DomainError(409, 'action_not_allowed', `“${type}” is not allowed while the case is ${s.status}.`);
  const why = rule.guard?.(s, ctx);
  return why ? new DomainError(why.status, why.code, why.message) : null;
}

const ACTION_TYPES = Object.keys(ACTIONS) as PeopleActionType[];

/** The same decision as `refusal`, without building an error for each refused action. */
export function availableActions(s: CaseState, ctx: GuardContext): PeopleActionType[] {
  return ACTION_TYPES.filter((t) => {
    const rule = ACTIONS[t];
    return rule.roles.includes(ctx.role) && rule.from.includes(s.status) && !rule.guard?.(s, ctx);
  });
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
function owesMoney(o: Outcome | null): o is Outcome {
  return (
    o !== null &&
    (o.kind === 'refund' || o.kind === 'partial_refund' || o.kind === 'credit') &&
    (o.execution === 'pending' || o.execution === 'failed')
  );
}

/** The outcome to execute now: the decided one, or what is left of the payment when that is less. */
function shrunkTo(o: Outcome, left: number): Outcome {
  if (o.amount <= left) return o;
  return { ...o, amount: left, plannedAmount: o.plannedAmount ?? o.amount };
}

function deadline(status: OpenStatus, now: Date, policy: Policy): string | null {
  return status === 'under_platform_review' ? null : addDuration(now, policy.deadlines[status]).toISOString();
}

/** The data of an event that moves the case to `status`, with its new deadline. */
function moveTo(status: CaseStatus, now: Date, policy: Policy, extra: EventData = {}): EventData {
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

export function planCreate(actor: Actor, description: string, now: Date, policy: Policy, attachments: AttachmentRef[]): Plan {
  return {
    events: [
      {
        type: 'created',
        actor,
        message: description,
        attachments,
        data: moveTo('merchant_response_needed', now, policy),
        visibility: 'public',
        createdAt: now.toISOString(),
      },
    ],
    effects: [],
  };
}

const required = (message: string | undefined, type: string) => {
  if (!message) throw new DomainError(400, 'validation_failed', `“${type}” needs a message.`, [{ path: 'message', message: 'Required' }]);
  return message;
};

/** A final decision's money moves now: a refund through the outbox, a credit in the ledger. */
function remedyEffects(outcome: Outcome, now: Date): { effects: Effect[]; events: (actor: Actor) => NewEvent[] } {
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

export function planAction(s: CaseState, ctx: ActionContext, input: ActionInput): Plan {
  const refused = refusal(s, input.type, ctx);
  if (refused) throw refused;
  const rule = ACTIONS[input.type];
  const { actor, now, policy, payment } = ctx;
  const attachments = input.attachments ?? [];
  const message = rule.message === 'required' ? required(input.message, input.type) : (input.message ?? null);
  const left = remaining(payment);
  const event = (type: EventType, data: EventData = {}, visibility: 'public' | 'staff' = 'public'): NewEvent => ({
    type,
    actor,
    message,
    attachments,
    data,
    visibility,
    createdAt: now.toISOString(),
  });
  const money = (amount: number) => ({ amount, currency: payment.currency });
  // The table's fixed destination, with its new deadline: an action the table sends somewhere goes there.
  const move = (extra: EventData = {}): EventData => {
    if (rule.to === null) throw new Error(`“${input.type}” has no fixed destination in ACTIONS`);
    return moveTo(rule.to, now, policy, extra);
  };

  switch (input.type) {
    case 'respond': {
      if (!message && attachments.length === 0) required(undefined, 'respond');
      let next: CaseStatus | null = null;
      if (s.status === 'customer_info_needed' && ctx.role === 'customer')
        next = s.infoRequestedBy === 'staff' ? 'under_platform_review' : 'merchant_response_needed';
      if (s.status === 'merchant_info_needed' && ctx.role === 'merchant') next = 'under_platform_review';
      return { events: [event('responded', next ? moveTo(next, now, policy) : {})], effects: [] };
    }
    case 'accept': {
      const outcome: Outcome = { kind: 'refund', ...money(left), fundedBy: 'merchant', execution: 'pending' };
      const r = remedyEffects(outcome, now);
      return {
        events: [event('accepted', move({ reason: 'merchant_accepted', outcome, final: true })), ...r.events(SYSTEM)],
        effects: r.effects,
      };
    }
    case 'deny':
      return { events: [event('denied', move())], effects: [] };
    case 'request_more_info':
      return {
        events: [event('requested_more_info', move({ requestedFrom: 'customer' }))],
        effects: [],
      };
    case 'offer_partial_refund': {
      const amount = input.amount;
      if (amount === undefined || !Number.isSafeInteger(amount) || amount <= 0 || amount >= left)
        throw new DomainError(400, 'invalid_amount', `An offer must be more than 0 and less than ${left} (what is left of the payment).`, [
          { path: 'amount', message: `Must be between 1 and ${left - 1}` },
        ]);
      return {
        events: [event('offered_partial_refund', move(money(amount)))],
        effects: [],
      };
    }
    case 'accept_offer': {
      const offer = s.offer ?? money(0);
      const outcome: Outcome = { kind: 'partial_refund', ...offer, fundedBy: 'merchant', execution: 'pending' };
      const r = remedyEffects(outcome, now);
      return {
        events: [event('offer_accepted', move({ reason: 'offer_accepted', outcome, final: true })), ...r.events(SYSTEM)],
        effects: r.effects,
      };
    }
    case 'escalate':
      return {
        events: [event('escalated', move({ reason: 'customer_request' }))],
        effects: [],
      };
    case 'withdraw':
      return {
        events: [event('withdrew', move({ reason: 'customer_withdrew', final: true }))],
        effects: [],
      };
    case 'request_customer_info':
    case 'request_merchant_info': {
      const from = input.type === 'request_customer_info' ? 'customer' : 'merchant';
      return { events: [event('info_requested', move({ requestedFrom: from }))], effects: [] };
    }
    case 'decide': {
      const decision = input.outcome;
      if (!decision)
        throw new DomainError(400, 'validation_failed', 'A decision needs an outcome.', [{ path: 'outcome', message: 'Required' }]);
      const amount = decision === 'merchant_wins' ? 0 : (input.amount ?? left);
      if (decision !== 'merchant_wins' && (!Number.isSafeInteger(amount) || amount <= 0 || amount > left))
        throw new DomainError(400, 'invalid_amount', `The amount must be between 1 and ${left} (what is left of the payment).`, [
          { path: 'amount', message: `Must be between 1 and ${left}` },
        ]);
      const final = s.inAppeal;
      const outcome: Outcome =
        decision === 'merchant_wins'
          ? { kind: 'none', ...money(0), fundedBy: null, execution: null }
          : decision === 'credit'
            ? { kind: 'credit', ...money(amount), fundedBy: 'platform', execution: 'pending' }
            : { kind: amount === left ? 'refund' : 'partial_refund', ...money(amount), fundedBy: 'merchant', execution: 'pending' };
      const status = decision === 'merchant_wins' ? 'merchant_won' : 'customer_won';
      const appealDeadline = final ? null : addDuration(now, policy.appealWindow).toISOString();
      const decided = event('decided', moveTo(status, now, policy, { reason: 'staff_decision', decision, outcome, final, appealDeadline }));
      if (!final) return { events: [decided], effects: [] };
      const r = remedyEffects(outcome, now);
      return { events: [decided, ...r.events(SYSTEM)], effects: r.effects };
    }
    case 'appeal':
      return {
        events: [event('appealed', move({ reason: 'appeal' }))],
        effects: [],
      };
    case 'note':
      return { events: [event('note', {}, 'staff')], effects: [] };
    case 'retry_remedy': {
      // Re-checked now: a partial refund made elsewhere since the failure shrinks what is retried.
      const outcome = shrunkTo(s.outcome as Outcome, left);
      const planned = outcome.plannedAmount !== undefined ? { plannedAmount: outcome.plannedAmount } : {};
      return {
        events: [event('remedy_retried', { ...planned, outcome: { ...outcome, execution: 'pending' } })],
        effects: [{ kind: 'refund', amount: outcome.amount, currency: outcome.currency }],
      };
    }
    case 'assign': {
      if (input.assignee === undefined)
        throw new DomainError(400, 'validation_failed', '“assign” needs an assigneeId (a staff member, or null).', [
          { path: 'assigneeId', message: 'Required' },
        ]);
      const to = input.assignee;
      return {
        events: [event('assigned', { assigneeId: to?.id ?? null, assigneeName: to?.name ?? null }, 'staff')],
        effects: [],
      };
    }
    case 'claim':
      return { events: [event('assigned', { assigneeId: actor.id, assigneeName: actor.name }, 'staff')], effects: [] };
    case 'credit_instead': {
      const failed = shrunkTo(s.outcome as Outcome, left);
      const outcome: Outcome = { ...failed, kind: 'credit', fundedBy: 'platform', execution: 'succeeded' };
      const planned = outcome.plannedAmount !== undefined ? { plannedAmount: outcome.plannedAmount } : {};
      return {
        events: [event('credit_issued', { amount: outcome.amount, currency: outcome.currency, ...planned, outcome })],
        effects: [{ kind: 'credit', amount: outcome.amount, currency: outcome.currency }],
      };
    }
  }
}

/** What the service itself does to a case: deadlines, finalisation, reports, remedy results. */
export type SystemInput =
  | { type: 'expire' }
  | { type: 'finalize' }
  /** The payment's refunded total grew by `amount` (a report); the payment facts are already the new ones. */
  | { type: 'refunded_elsewhere'; amount?: number }
  | { type: 'chargeback' }
  /** `amount`: what the provider refunded (default: the outcome's amount). */
  | { type: 'refund_succeeded'; provider: string; refundId: string; simulated: boolean; amount?: number }
  /** The remedy executor found nothing left of the payment to refund. */
  | { type: 'remedy_nothing_left' }
  | { type: 'refund_failed'; provider: string; error: string }
  /** The 48-hour reminder of the deadline `dueAt`; stale (moved deadline, new status) is a no-op. */
  | { type: 'remind'; dueAt: string }
  /** A bank's inquiry or early warning arrived (SPEC §12): on the timeline of an open case, nothing closes. */
  | { type: 'bank_inquiry'; disputeId: string; stage: string; respondBy: string | null }
  /**
   * The case is accepted on the merchant's behalf (SPEC §12): a refund from the bank's dispute
   * (by a member or staff, whatever the open status), or one of the merchant's automatic rules.
   */
  | { type: 'accept_for_merchant'; actor: Actor; message: string | null; disputeId?: string; rule?: 'auto_refund' | 'alert_auto_refund' };

/** Null when the system input no longer applies (someone acted first): nothing to do. */
export function planSystem(s: CaseState, input: SystemInput, now: Date, policy: Policy, payment: PaymentFacts): Plan | null {
  const event = (type: EventType, data: EventData, message: string | null = null): NewEvent => ({
    type,
    actor: SYSTEM,
    message,
    attachments: [],
    data,
    visibility: 'public',
    createdAt: now.toISOString(),
  });
  const at = now.toISOString();
  switch (input.type) {
    case 'expire': {
      if (!isOpen(s.status) || !s.dueAt || s.dueAt > at) return null;
      switch (s.status) {
        case 'merchant_response_needed':
          return {
            events: [event('escalated', moveTo('under_platform_review', now, policy, { reason: 'merchant_unresponsive' }))],
            effects: [],
          };
        case 'merchant_info_needed':
          return {
            events: [event('deadline_passed', moveTo('under_platform_review', now, policy, { reason: 'merchant_unresponsive' }))],
            effects: [],
          };
        case 'customer_info_needed':
        case 'customer_response_needed':
          return {
            events: [
              event(
                'deadline_passed',
                moveTo('merchant_won', now, policy, {
                  reason: 'customer_unresponsive',
                  final: true,
                  outcome: { kind: 'none', amount: 0, currency: payment.currency, fundedBy: null, execution: null },
                }),
              ),
            ],
            effects: [],
          };
        case 'under_platform_review':
          return null;
      }
      return null;
    }
    case 'finalize': {
      if (isOpen(s.status) || s.final || !s.appealDeadline || s.appealDeadline > at) return null;
      const o = s.outcome;
      if (!owesMoney(o)) return { events: [event('finalized', { final: true })], effects: [] };
      // SPEC §11: re-checked at finalisation; a refund made elsewhere meanwhile shrinks or cancels it.
      const left = remaining(payment);
      if (left <= 0)
        return {
          events: [
            event('finalized', { final: true }),
            event('remedy_cancelled', { reason: 'payment_refunded_elsewhere', outcome: refundedElsewhere(payment) }),
          ],
          effects: [],
        };
      const executing = shrunkTo(o, left);
      const r = remedyEffects(executing, now);
      const shrunk = executing !== o ? { outcome: executing, plannedAmount: o.amount } : {};
      return { events: [event('finalized', { final: true, ...shrunk }), ...r.events(SYSTEM)], effects: r.effects };
    }
    case 'refunded_elsewhere': {
      const left = remaining(payment);
      const report: EventData = {
        ...(input.amount !== undefined ? { amount: input.amount } : {}),
        refundedAmount: payment.refundedAmount,
        currency: payment.currency,
      };
      const outcome = refundedElsewhere(payment);
      if (isOpen(s.status)) {
        if (left <= 0)
          return {
            events: [
              event(
                'payment_refunded_elsewhere',
                moveTo('customer_won', now, policy, { ...report, reason: 'refunded_elsewhere', outcome, final: true }),
              ),
            ],
            effects: [],
          };
        // SPEC §11: an offer above what is left can no longer be paid; the merchant answers again.
        if (s.offer && s.offer.amount > left)
          return {
            events: [
              event('offer_lapsed', moveTo('merchant_response_needed', now, policy, { ...report, reason: 'payment_refunded_elsewhere' })),
            ],
            effects: [],
          };
        return { events: [event('payment_refunded_elsewhere', report)], effects: [] };
      }
      // The customer has the money: a pending or failed remedy would pay twice (a credit on top, too).
      if (owesMoney(s.outcome) && left <= 0)
        return {
          events: [event('remedy_cancelled', { ...report, reason: 'payment_refunded_elsewhere', outcome, final: true })],
          effects: [],
        };
      return { events: [event('payment_refunded_elsewhere', report)], effects: [] };
    }
    case 'chargeback': {
      if (s.status === 'chargeback_filed') return null;
      const none: Outcome = { kind: 'none', amount: 0, currency: payment.currency, fundedBy: null, execution: null };
      // The bank has taken the money back: whatever this case still owed is cancelled.
      const cancel = owesMoney(s.outcome) ? [event('remedy_cancelled', { reason: 'chargeback', outcome: none })] : [];
      if (isOpen(s.status) || !s.final)
        return {
          events: [
            ...cancel,
            event('chargeback_filed', moveTo('chargeback_filed', now, policy, { reason: 'chargeback', final: true, outcome: none })),
          ],
          effects: [],
        };
      // A final case keeps its status; the chargeback is on its record all the same.
      return { events: [...cancel, event('chargeback_filed', { reason: 'chargeback' })], effects: [] };
    }
    case 'remedy_nothing_left':
      if (!owesMoney(s.outcome) || !s.final) return null;
      return {
        events: [event('remedy_cancelled', { reason: 'payment_refunded_elsewhere', outcome: refundedElsewhere(payment) })],
        effects: [],
      };
    case 'refund_succeeded': {
      if (s.refundRecorded) return null;
      const o = s.outcome;
      const note = input.simulated ? 'Simulated refund: no payment provider is configured, so no money moved.' : null;
      const made = { provider: input.provider, refundId: input.refundId, simulated: input.simulated };
      if (s.remedyCancelled && input.amount !== undefined) {
        // The provider refunded although the remedy was cancelled meanwhile: money moved, so it is recorded.
        const data: EventData = { amount: input.amount, currency: payment.currency, ...made, late: true };
        return { events: [event('refund_succeeded', data, note)], effects: [{ kind: 'payment_refunded', amount: input.amount }] };
      }
      // A remedy executes only once its decision is final (SPEC §5): a first decision's pending outcome has none yet.
      if (!o || o.execution !== 'pending' || !s.final) return null;
      const done = shrunkTo(o, input.amount ?? o.amount);
      const planned = done.plannedAmount !== undefined ? { plannedAmount: done.plannedAmount } : {};
      return {
        events: [
          event(
            'refund_succeeded',
            { amount: done.amount, currency: o.currency, ...planned, ...made, outcome: { ...done, execution: 'succeeded' } },
            note,
          ),
        ],
        effects: [{ kind: 'payment_refunded', amount: done.amount }],
      };
    }
    case 'bank_inquiry':
      if (!isOpen(s.status)) return null;
      return {
        events: [
          event('bank_inquiry', {
            disputeId: input.disputeId,
            stage: input.stage,
            respondBy: input.respondBy,
            amount: remaining(payment),
            currency: payment.currency,
          }),
        ],
        effects: [],
      };
    case 'accept_for_merchant': {
      if (!isOpen(s.status)) return null;
      // As the merchant's `accept`: the full remaining amount, final at once (SPEC §12).
      const outcome: Outcome = {
        kind: 'refund',
        amount: remaining(payment),
        currency: payment.currency,
        fundedBy: 'merchant',
        execution: 'pending',
      };
      const r = remedyEffects(outcome, now);
      const why: EventData = {
        ...(input.disputeId !== undefined ? { disputeId: input.disputeId } : {}),
        ...(input.rule !== undefined ? { rule: input.rule } : {}),
      };
      const accepted: NewEvent = {
        ...event(
          'accepted',
          moveTo('customer_won', now, policy, { reason: 'merchant_accepted', outcome, final: true, ...why }),
          input.message,
        ),
        actor: input.actor,
      };
      return { events: [accepted, ...r.events(SYSTEM)], effects: r.effects };
    }
    case 'remind':
      if (!isOpen(s.status) || s.dueAt !== input.dueAt || s.dueAt <= at || s.reminderSentFor === input.dueAt) return null;
      return { events: [event('reminder_sent', { dueAt: input.dueAt })], effects: [] };
    case 'refund_failed': {
      const o = s.outcome;
      if (!o || o.execution !== 'pending' || !s.final) return null;
      return {
        events: [
          event('refund_failed', {
            amount: o.amount,
            currency: o.currency,
            provider: input.provider,
            error: input.error,
            outcome: { ...o, execution: 'failed' },
          }),
        ],
        effects: [],
      };
    }
  }
}

function refundedElsewhere(payment: PaymentFacts): Outcome {
  return {
    kind: 'refunded_elsewhere',
    amount: payment.refundedAmount,
    currency: payment.currency,
    fundedBy: 'merchant',
    execution: 'succeeded',
  };
}

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
