/**
 * Who hears of an event (SPEC §8's table): the template each public event sends to the
 * customer and to the merchant, usually both sides except the one that acted; staff and
 * notes get none. Apart from the words (templates.ts) so the table reads on its own and
 * the outbox listener can plan a change's mails without rendering them.
 */
import { type CaseState, type NewEvent, turnOf } from '../domain/case.js';

export type Side = 'customer' | 'merchant';

/** Which template an event sends to which side (SPEC §8's table); staff and notes get none. */
export type Template =
  | 'opened_confirmation'
  | 'opened_new'
  | 'replied'
  | 'info_requested'
  | 'offer'
  | 'denied'
  | 'accepted'
  | 'offer_accepted'
  | 'escalated'
  | 'decided'
  | 'appealed'
  | 'withdrawn'
  | 'deadline_passed'
  | 'finalized'
  | 'refunded_elsewhere'
  | 'offer_lapsed'
  | 'remedy_cancelled'
  | 'chargeback'
  | 'remedy_executed'
  | 'remedy_failed'
  | 'reminder'
  | 'bank_inquiry';

/** The mails one event causes: to both sides, except the side that acted (the customer's own opening is confirmed). */
export function templatesFor(event: NewEvent, after: CaseState): { side: Side; template: Template }[] {
  if (event.visibility !== 'public') return [];
  const actor = event.actor.kind;
  const notActor = (template: Template) =>
    (['customer', 'merchant'] as const).filter((side) => side !== actor).map((side) => ({ side, template }));
  switch (event.type) {
    case 'created':
      return [
        { side: 'customer', template: 'opened_confirmation' },
        { side: 'merchant', template: 'opened_new' },
      ];
    case 'responded':
      return notActor('replied');
    case 'requested_more_info':
      return [{ side: 'customer', template: 'info_requested' }];
    case 'info_requested':
      return notActor('info_requested');
    case 'offered_partial_refund':
      return [{ side: 'customer', template: 'offer' }];
    case 'denied':
      return [{ side: 'customer', template: 'denied' }];
    case 'accepted':
      // Accepted on the merchant's behalf (a rule, a refund from the bank's dispute): the merchant hears why.
      return event.actor.kind === 'merchant'
        ? [{ side: 'customer', template: 'accepted' }]
        : [
            { side: 'customer', template: 'accepted' },
            { side: 'merchant', template: 'accepted' },
          ];
    case 'bank_inquiry':
      return [{ side: 'merchant', template: 'bank_inquiry' }];
    case 'offer_accepted':
      return [{ side: 'merchant', template: 'offer_accepted' }];
    case 'escalated':
      return notActor('escalated');
    case 'decided':
      return notActor('decided');
    case 'appealed':
      return notActor('appealed');
    case 'withdrew':
      return [{ side: 'merchant', template: 'withdrawn' }];
    case 'deadline_passed':
      return notActor('deadline_passed');
    case 'finalized':
      return notActor('finalized');
    case 'payment_refunded_elsewhere':
      return notActor('refunded_elsewhere');
    case 'offer_lapsed':
      return notActor('offer_lapsed');
    case 'remedy_cancelled':
      return notActor('remedy_cancelled');
    case 'chargeback_filed':
      return notActor('chargeback');
    case 'refund_succeeded':
    case 'credit_issued':
      return notActor('remedy_executed');
    case 'refund_failed':
      return notActor('remedy_failed');
    case 'reminder_sent': {
      const turn = turnOf(after.status);
      return turn === 'customer' || turn === 'merchant' ? [{ side: turn, template: 'reminder' }] : [];
    }
    case 'note':
    case 'remedy_retried':
    case 'assigned':
      return [];
  }
}
