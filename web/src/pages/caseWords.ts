/** How a case's events and actions read in plain words. */
import type { ActionType, Case, CaseEvent } from '../api';
import { REASON_WORDS, money } from '../format';

const who = (kind: string) => (kind === 'customer' ? 'the customer' : kind === 'merchant' ? 'the merchant' : 'the platform');

export function eventWords(e: CaseEvent, c: Case): string {
  const d = e.data;
  const amount = typeof d.amount === 'number' ? money(d.amount, typeof d.currency === 'string' ? d.currency : c.payment.currency) : '';
  const reason = typeof d.reason === 'string' ? REASON_WORDS[d.reason] : undefined;
  const outcome = d.outcome as { kind?: string; amount?: number; currency?: string } | undefined;
  switch (e.type) {
    case 'created':
      return 'opened the case';
    case 'responded':
      return e.actor.kind === 'staff' ? 'posted a message to both sides' : 'replied';
    case 'accepted':
      if (d.rule === 'auto_refund')
        return 'accepted the claim automatically under the merchant’s auto-refund rule and refunded what was left of the payment';
      if (d.rule === 'alert_auto_refund')
        return 'accepted the claim automatically under the merchant’s alert auto-refund rule (the bank was asking) and refunded what was left of the payment';
      return typeof d.disputeId === 'string'
        ? 'refunded what was left of the payment after the customer’s bank asked about it, accepting the claim'
        : 'accepted the claim and refunded what was left of the payment';
    case 'denied':
      return 'denied the claim';
    case 'requested_more_info':
      return 'asked the customer for more information';
    case 'offered_partial_refund':
      return `offered a partial refund of ${amount}`;
    case 'offer_accepted':
      return 'accepted the offer';
    case 'escalated':
      return e.actor.kind === 'system' ? `sent the case to the platform${reason ? `: ${reason}` : ''}` : 'asked the platform to step in';
    case 'info_requested':
      return `asked ${who(String(d.requestedFrom))} for more information`;
    case 'decided': {
      const final = d.final === true ? 'final decision' : 'decided';
      if (d.decision === 'merchant_wins') return `${final}: in the merchant’s favour`;
      const m = outcome?.amount !== undefined ? money(outcome.amount, outcome.currency ?? c.payment.currency) : '';
      return d.decision === 'credit' ? `${final}: ${m} platform credit for the customer` : `${final}: refund ${m} to the customer`;
    }
    case 'appealed':
      return 'appealed the decision';
    case 'withdrew':
      return 'withdrew the case';
    case 'deadline_passed':
      return `closed the case: ${reason ?? 'the deadline passed'}`;
    case 'finalized':
      return 'made the decision final (the appeal window closed)';
    case 'refund_succeeded': {
      const planned =
        typeof d.plannedAmount === 'number'
          ? ` instead of the ${money(d.plannedAmount, c.payment.currency)} decided: the payment was partly refunded elsewhere, so only what was left is paid`
          : '';
      return `refunded ${amount || 'the customer'}${planned}${d.simulated ? ' (simulated provider: no real money moved)' : ''}`;
    }
    case 'refund_failed':
      return 'could not refund through the payment provider';
    case 'credit_issued':
      return `issued ${amount} platform credit to the customer${typeof d.plannedAmount === 'number' ? ` instead of the ${money(d.plannedAmount, c.payment.currency)} decided: the payment was partly refunded elsewhere` : ''}`;
    case 'payment_refunded_elsewhere':
      if (typeof d.status === 'string') return 'closed the case: the payment was refunded outside the Resolution Center';
      return `noted that ${amount || 'part'} of the payment was refunded outside the Resolution Center, so any refund decided here pays at most what is left`;
    case 'offer_lapsed':
      return `withdrew the merchant’s offer: ${amount || 'part'} of the payment was refunded elsewhere, so less is left than was offered; the merchant answers again`;
    case 'remedy_cancelled':
      return d.reason === 'chargeback'
        ? 'cancelled the refund or credit decided here: the customer’s bank has taken the money back (chargeback)'
        : 'cancelled the refund or credit decided here: the payment was already refunded in full elsewhere, so it would have paid twice';
    case 'chargeback_filed':
      return typeof d.status === 'string'
        ? 'closed the case: the customer filed a chargeback with their bank'
        : 'noted that the customer filed a chargeback with their bank; the decision here stands';
    case 'note':
      return 'wrote an internal note';
    case 'reminder_sent':
      return 'sent a deadline reminder';
    case 'remedy_retried':
      return 'retried the refund';
    case 'bank_inquiry':
      return `noted that the customer’s bank is asking about this payment (${d.stage === 'early_warning' ? 'an early fraud warning' : 'an inquiry'}${amount ? `; ${amount} left` : ''}): a refund now prevents a chargeback`;
    case 'assigned':
      if (d.assigneeId === null) return 'released the case: nobody holds it';
      return d.assigneeId === e.actor.id
        ? 'claimed the case'
        : `assigned the case to ${typeof d.assigneeName === 'string' ? d.assigneeName : (d.assigneeId as string)}`;
  }
}

export interface ActionUi {
  label: string;
  tone: 'primary' | 'secondary' | 'danger';
  messageLabel: string;
  help: string;
  submit: string;
  files?: boolean;
  amount?: 'offer' | 'decide';
  outcome?: boolean;
}

export function actionUi(type: ActionType, c: Case): ActionUi {
  const left = money(c.payment.amount - c.payment.refundedAmount, c.payment.currency);
  switch (type) {
    case 'respond':
      return {
        label: c.role === 'staff' ? 'Message both sides' : 'Reply',
        tone: 'secondary',
        messageLabel: 'Your message',
        help:
          c.role === 'staff'
            ? 'Both the customer and the merchant will see this.'
            : 'The other side sees your message and files on the timeline.',
        submit: 'Send reply',
        files: true,
      };
    case 'accept':
      return {
        label: 'Accept and refund',
        tone: 'primary',
        messageLabel: 'Message to the customer (optional)',
        help: `Refunds ${left} to the customer through the original payment method and closes the case.`,
        submit: `Refund ${left}`,
      };
    case 'deny':
      return {
        label: 'Deny',
        tone: 'danger',
        messageLabel: 'Why are you denying this claim?',
        help: 'The customer can accept your answer or ask the platform to decide.',
        submit: 'Deny the claim',
        files: true,
      };
    case 'request_more_info':
      return {
        label: 'Request more info',
        tone: 'secondary',
        messageLabel: 'What do you need to know?',
        help: 'The customer gets 7 days to answer. You can ask at most twice.',
        submit: 'Send request',
      };
    case 'offer_partial_refund':
      return {
        label: 'Offer a partial refund',
        tone: 'secondary',
        messageLabel: 'Message with your offer',
        help: `Offer less than ${left}. If the customer accepts, the case closes.`,
        submit: 'Make the offer',
        amount: 'offer',
      };
    case 'accept_offer':
      return {
        label: `Accept ${c.offer ? money(c.offer.amount, c.offer.currency) : 'the offer'}`,
        tone: 'primary',
        messageLabel: 'Message (optional)',
        help: 'You get the offered amount back and the case closes.',
        submit: 'Accept the offer',
      };
    case 'escalate':
      return {
        label: 'Ask the platform to decide',
        tone: 'secondary',
        messageLabel: 'Why should the platform step in? (optional)',
        help: 'Our team reviews both sides and decides. Either side may appeal once.',
        submit: 'Escalate to the platform',
        files: true,
      };
    case 'withdraw':
      return {
        label: 'Withdraw the case',
        tone: 'danger',
        messageLabel: 'Message (optional)',
        help: 'This closes the case for good. It can’t be reopened.',
        submit: 'Withdraw',
      };
    case 'request_customer_info':
      return {
        label: 'Ask the customer',
        tone: 'secondary',
        messageLabel: 'What should the customer tell us?',
        help: 'The customer gets 7 days to answer; then the case comes back to the queue.',
        submit: 'Send to the customer',
      };
    case 'request_merchant_info':
      return {
        label: 'Ask the merchant',
        tone: 'secondary',
        messageLabel: 'What should the merchant tell us?',
        help: 'The merchant gets 7 days to answer; then the case comes back to the queue.',
        submit: 'Send to the merchant',
      };
    case 'decide':
      return {
        label: c.inAppeal ? 'Decide the appeal' : 'Decide',
        tone: 'primary',
        messageLabel: 'Reasons (shown to both sides)',
        help: c.inAppeal
          ? 'This decision is final: it cannot be appealed.'
          : 'Either side may appeal within 7 days; a different staff member then decides.',
        submit: 'Record the decision',
        amount: 'decide',
        outcome: true,
      };
    case 'appeal':
      return {
        label: 'Appeal the decision',
        tone: 'secondary',
        messageLabel: 'Why is the decision wrong?',
        help: 'A different staff member reviews the case. Their decision is final. One appeal per case.',
        submit: 'Send the appeal',
        files: true,
      };
    case 'note':
      return {
        label: 'Add internal note',
        tone: 'secondary',
        messageLabel: 'Internal note (staff only)',
        help: 'Only staff can see notes. They are never shown or emailed to the customer or the merchant.',
        submit: 'Save note',
      };
    case 'retry_remedy':
      return {
        label: 'Retry the refund',
        tone: 'primary',
        messageLabel: 'Message (optional)',
        help: 'Runs the same refund again; the provider’s idempotency key means it can never pay twice.',
        submit: 'Retry now',
      };
    case 'credit_instead':
      return {
        label: 'Give platform credit instead',
        tone: 'secondary',
        messageLabel: 'Message to both sides',
        help: 'Replaces the failed refund by platform credit of the same amount.',
        submit: 'Issue credit',
      };
    case 'claim':
      return {
        label: 'Claim',
        tone: 'primary',
        messageLabel: 'Internal note (optional)',
        help: 'You hold the case: other staff see that you are on it.',
        submit: 'Claim the case',
      };
    case 'assign':
      return {
        label: 'Assign',
        tone: 'secondary',
        messageLabel: 'Internal note (optional)',
        help: 'Overrides whoever holds the case.',
        submit: 'Assign',
      };
  }
}
