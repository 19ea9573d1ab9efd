/**
 * People's actions on a case (SPEC §4): the transition table (who may do what in which
 * status, and where it leads) and `planAction`, which turns an allowed action into events.
 */
import {
  type Actor,
  type AttachmentRef,
  type CaseState,
  type EventData,
  type NewEvent,
  type PaymentFacts,
  type Plan,
  type Policy,
  SYSTEM,
  moveTo,
  remaining,
  remedyEffects,
  shrunkTo,
} from './case.js';
import { DomainError, type ErrorCode } from './errors.js';
import {
  type CaseStatus,
  type DecisionOutcome,
  type EventType,
  type Outcome,
  type PartyRole,
  type PeopleActionType,
  CLOSED_STATUSES,
  OPEN_STATUSES,
} from './model.js';
import { addDuration } from './time.js';

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
  code: ErrorCode;
  message: string;
}

const refused = (code: ErrorCode, message: string): Refused => ({ code, message });

/** What a guard may know: the caller, and the payment's facts where the caller has them. */
type GuardContext = Pick<ActionContext, 'actor' | 'now' | 'role'> & { payment?: PaymentFacts };
type Guard = (s: CaseState, ctx: GuardContext) => Refused | null;

export interface ActionRule {
  roles: readonly PartyRole[];
  from: readonly CaseStatus[];
  /** The next status when it is fixed; `null` when it depends on the input or stays. */
  to: CaseStatus | null;
  /** `unless_files`: a message, or at least one file instead. */
  message: 'required' | 'optional' | 'unless_files';
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
        'action_not_allowed',
        'Only a case with staff can be assigned: under review, or waiting on an information request staff made.',
      );

const STAFF_STATUSES: readonly CaseStatus[] = ['under_platform_review', 'customer_info_needed', 'merchant_info_needed'];

const remedyFailed: Guard = (s, ctx) => {
  if (s.outcome?.execution !== 'failed') return refused('action_not_allowed', 'No failed remedy on this case.');
  if (ctx.payment && remaining(ctx.payment) <= 0)
    return refused('action_not_allowed', 'Nothing is left of the payment: it was refunded or credited in full.');
  return null;
};

/**
 * The transition table (SPEC §4): who may do what in which status, and where it
 * leads. `availableActions` and the API's refusals are both computed from it.
 */
export const ACTIONS: Record<PeopleActionType, ActionRule> = {
  respond: { roles: ['customer', 'merchant', 'staff'], from: OPEN_STATUSES, to: null, message: 'unless_files' },
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
        ? refused('limit_reached', `A merchant may request more information at most ${MAX_INFO_REQUESTS} times per case.`)
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
        ? refused('action_not_allowed', 'Too little of the payment is left for a partial offer: accept or deny instead.')
        : null,
  },
  accept_offer: {
    roles: ['customer'],
    from: ['customer_response_needed'],
    to: 'customer_won',
    message: 'optional',
    guard: (s, ctx) => {
      if (!s.offer) return refused('action_not_allowed', 'There is no open offer to accept.');
      // A report lapses such an offer in its own transaction; this is the check at execution time.
      if (ctx.payment && s.offer.amount > remaining(ctx.payment))
        return refused('action_not_allowed', 'The offer is more than is left of the payment: it has lapsed.');
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
        ? refused('same_reviewer', 'An appeal must be decided by another staff member than the first decision.')
        : null,
  },
  appeal: {
    roles: ['customer', 'merchant'],
    from: ['customer_won', 'merchant_won'],
    to: 'under_platform_review',
    message: 'required',
    guard: (s, { now }) => {
      if (s.decisions !== 1 || s.final || !s.appealDeadline)
        return refused('action_not_allowed', 'Only a first staff decision can be appealed.');
      if (s.customerAppealed || s.merchantAppealed) return refused('action_not_allowed', 'This case has already been appealed once.');
      if (now.toISOString() >= s.appealDeadline) return refused('action_not_allowed', 'The appeal window has closed.');
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
        : refused('action_not_allowed', 'Only a failed refund can be replaced by a credit.')),
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
      if (s.assigneeId && s.assigneeId === ctx.actor.id) return refused('action_not_allowed', 'You already hold this case.');
      if (s.assigneeId) return refused('already_assigned', 'Another staff member holds this case: ask them, or assign it.');
      return null;
    },
  },
};

/** Why `type` is refused to this caller now, or null when it is allowed. */
export function refusal(s: CaseState, type: PeopleActionType, ctx: GuardContext) {
  const rule = ACTIONS[type];
  if (!rule.roles.includes(ctx.role)) return new DomainError('forbidden', `A ${ctx.role} cannot ${type.replaceAll('_', ' ')} on a case.`);
  if (!rule.from.includes(s.status))
    return new DomainError('action_not_allowed', `“${type}” is not allowed while the case is ${s.status}.`);
  const why = rule.guard?.(s, ctx);
  return why ? new DomainError(why.code, why.message) : null;
}

const ACTION_TYPES = Object.keys(ACTIONS) as PeopleActionType[];

/** The same decision as `refusal`, without building an error for each refused action. */
export function availableActions(s: CaseState, ctx: GuardContext): PeopleActionType[] {
  return ACTION_TYPES.filter((t) => {
    const rule = ACTIONS[t];
    return rule.roles.includes(ctx.role) && rule.from.includes(s.status) && !rule.guard?.(s, ctx);
  });
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
  if (!message) throw new DomainError('validation_failed', `“${type}” needs a message.`, [{ path: 'message', message: 'Required' }]);
  return message;
};

export function planAction(s: CaseState, ctx: ActionContext, input: ActionInput): Plan {
  const refused = refusal(s, input.type, ctx);
  if (refused) throw refused;
  const rule = ACTIONS[input.type];
  const { actor, now, policy, payment } = ctx;
  const attachments = input.attachments ?? [];
  const message = rule.message === 'required' ? required(input.message, input.type) : (input.message ?? null);
  if (rule.message === 'unless_files' && !message && attachments.length === 0) required(undefined, input.type);
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
        throw new DomainError('invalid_amount', `An offer must be more than 0 and less than ${left} (what is left of the payment).`, [
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
      if (!decision) throw new DomainError('validation_failed', 'A decision needs an outcome.', [{ path: 'outcome', message: 'Required' }]);
      const amount = decision === 'merchant_wins' ? 0 : (input.amount ?? left);
      if (decision !== 'merchant_wins' && (!Number.isSafeInteger(amount) || amount <= 0 || amount > left))
        throw new DomainError('invalid_amount', `The amount must be between 1 and ${left} (what is left of the payment).`, [
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
        throw new DomainError('validation_failed', '“assign” needs an assigneeId (a staff member, or null).', [
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
