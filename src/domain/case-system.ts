/**
 * The service's own transitions of a case: deadlines, finalisation, payment reports,
 * bank disputes and remedy results, planned like people's actions.
 */
import {
  type Actor,
  type CaseState,
  type EventData,
  type NewEvent,
  type PaymentFacts,
  type Plan,
  type Policy,
  SYSTEM,
  moveTo,
  owesMoney,
  remaining,
  remedyEffects,
  shrunkTo,
} from './case.js';
import { type EventType, type Outcome, isOpen } from './model.js';

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
