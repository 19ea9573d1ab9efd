/**
 * The emails of SPEC §8, pure: each template's words, rendered as plain text and HTML
 * for one reader, in the reader's time zone. Which template an event sends to which side
 * is in recipients.ts; the formatting the mails share (money, dates, escaping, the
 * brand's header and button) in format.ts. User text (messages, names, product names)
 * is escaped in HTML and never reaches a header with a line break in it.
 */
import { type CaseState, type NewEvent, turnOf } from '../domain/case.js';
import type { Outcome } from '../domain/model.js';
import type { BrandView } from '../web/brand.js';
import type { Side, Template } from './recipients.js';
import { brandHeader, caseButton, escapeHtml, formatDay, formatTime, mailMoney, oneLine, timeLeft } from './format.js';

export interface Reader {
  side: Side;
  name: string;
  address: string;
  timeZone: string;
}

export interface MailCase {
  id: string;
  productName: string;
  customerName: string;
  merchantName: string;
  currency: string;
  url: string;
  /** BRAND_NAME, BRAND_LOGO_URL and BRAND_COLOR's colours, in every mail (SPEC §14). */
  brand: BrandView;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

function deadline(iso: string, reader: Reader, now: Date): string {
  return `${formatTime(iso, reader.timeZone)}, ${timeLeft(iso, now)} from now`;
}

// ---------------------------------------------------------------- content

interface Content {
  /** The subject after "[Resolution Center] Case case_… (product) — ". */
  summary: string;
  /** What happened, one paragraph. */
  happened: string;
  /** The other side's message, with the line that introduces it ("Mia wrote:"). */
  quote: { intro: string; text: string } | null;
  /** What the reader can do, and by when. */
  next: string[];
}

function outcomeText(o: Outcome | null | undefined, c: MailCase): string {
  if (!o) return 'no outcome';
  const money = mailMoney(o.amount, o.currency || c.currency);
  if (o.plannedAmount !== undefined && o.kind !== 'refunded_elsewhere')
    return `${outcomeText({ ...o, plannedAmount: undefined }, c)}, instead of the ${mailMoney(o.plannedAmount, o.currency || c.currency)} decided, because the rest of the payment was refunded elsewhere`;
  switch (o.kind) {
    case 'refund':
      return `a full refund of ${money}, paid by ${c.merchantName}`;
    case 'partial_refund':
      return `a partial refund of ${money}, paid by ${c.merchantName}`;
    case 'credit':
      return `a platform credit of ${money} for ${c.customerName} (nothing is charged to ${c.merchantName})`;
    case 'none':
      return `no refund: ${c.merchantName} wins the case`;
    case 'refunded_elsewhere':
      return `the payment was refunded outside the Resolution Center (${money})`;
  }
}

/**
 * A first decision inside its appeal window, in the words of the web app's badge: what was
 * decided, what has not happened yet, and when it will ("Refund of $79.00 decided — paid on
 * 6 Dec 2026 unless appealed"), on the reader's calendar.
 */
function pendingDecision(o: Outcome | null | undefined, c: MailCase, appealDeadline: string, reader: Reader) {
  const on = formatDay(appealDeadline, reader.timeZone);
  const when = formatTime(appealDeadline, reader.timeZone);
  const money = o ? mailMoney(o.amount, o.currency || c.currency) : '';
  switch (o?.kind) {
    case 'refund':
    case 'partial_refund':
      return {
        summary: `${o.kind === 'refund' ? 'refund' : 'partial refund'} of ${money} decided — paid on ${on} unless appealed`,
        notYet: `Nothing has been paid yet: ${c.merchantName} refunds ${money} on ${when}, when the appeal window closes, unless either side appeals before then.`,
      };
    case 'credit':
      return {
        summary: `credit of ${money} decided — issued on ${on} unless appealed`,
        notYet: `Nothing has been credited yet: the platform credits ${money} on ${when}, when the appeal window closes, unless either side appeals before then.`,
      };
    default:
      return {
        summary: `decided for ${c.merchantName} — final on ${on} unless appealed`,
        notYet: `The decision becomes final on ${when}, when the appeal window closes, unless either side appeals before then.`,
      };
  }
}

/** What the reader can do now, from the state after the change. */
function nextSteps(after: CaseState, reader: Reader, c: MailCase, now: Date): string[] {
  const turn = turnOf(after.status);
  const otherName = reader.side === 'customer' ? c.merchantName : c.customerName;
  const due = after.dueAt ? deadline(after.dueAt, reader, now) : null;
  switch (after.status) {
    case 'merchant_response_needed':
    case 'merchant_info_needed':
    case 'customer_info_needed':
    case 'customer_response_needed': {
      if (turn !== reader.side)
        return [`It is ${otherName}'s turn. They have until ${due}. You can add information on the case meanwhile.`];
      const todo: Record<typeof after.status, string> = {
        merchant_response_needed:
          'Respond on the case: accept (full refund), deny, ask for more information, offer a partial refund, or reply.',
        merchant_info_needed: 'Reply on the case with the information the platform’s staff asked for.',
        customer_info_needed: 'Reply on the case with the information you were asked for.',
        customer_response_needed: after.offer
          ? `Accept the offer of ${mailMoney(after.offer.amount, after.offer.currency)}, escalate the case to the platform’s staff, or withdraw it.`
          : 'Escalate the case to the platform’s staff if you disagree, or withdraw it.',
      };
      const ifNot: Record<typeof after.status, string> = {
        merchant_response_needed: 'the case goes to the platform’s staff for a decision',
        merchant_info_needed: 'the staff decide without it',
        customer_info_needed: `the case closes in ${c.merchantName}'s favour`,
        customer_response_needed: `the case closes in ${c.merchantName}'s favour${after.offer ? ' and the offer lapses' : ''}`,
      };
      return [todo[after.status], `Deadline: ${due}. If you do nothing by then, ${ifNot[after.status]}.`];
    }
    case 'under_platform_review':
      return ['The platform’s staff will review the case and decide. You can add information on the case meanwhile.'];
    case 'customer_won':
    case 'merchant_won':
      if (!after.final && after.appealDeadline)
        return [
          `Either side may appeal this decision once, until ${deadline(after.appealDeadline, reader, now)}. After that it becomes final.`,
        ];
      return ['The case is closed. There is nothing more to do.'];
    case 'customer_withdrew':
    case 'chargeback_filed':
      return ['The case is closed. There is nothing more to do.'];
  }
}

function content(template: Template, e: NewEvent, after: CaseState, reader: Reader, c: MailCase, now: Date): Content {
  // Names are one line wherever they appear; only messages keep their line breaks.
  const event = { ...e, actor: { ...e.actor, name: oneLine(e.actor.name) } };
  const actor = event.actor.kind === 'staff' ? `${event.actor.name} (platform staff)` : event.actor.name;
  const quote = event.message ? { intro: `${actor} wrote:`, text: event.message } : null;
  const you = reader.side === 'customer' ? 'you' : c.customerName;
  const d = event.data;
  switch (template) {
    case 'opened_confirmation':
      return {
        summary: 'your case is open',
        happened: `You opened a case with ${c.merchantName} about your payment for ${c.productName}. We have told ${c.merchantName}.`,
        quote: event.message ? { intro: 'Your description:', text: event.message } : null,
        next: nextSteps(after, reader, c, now),
      };
    case 'opened_new':
      return {
        summary: `new case from ${c.customerName}`,
        happened: `${c.customerName} opened a case about their payment for ${c.productName}.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'replied':
      return {
        summary: `${event.actor.name} replied`,
        happened: `${actor} replied on the case${d.status ? `; the case is now ${statusWords(d.status)}` : ''}.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'info_requested': {
      const asked = d.requestedFrom ?? 'customer';
      return {
        summary:
          asked === reader.side ? `${event.actor.name} asked you for more information` : `${event.actor.name} asked for more information`,
        happened:
          asked === reader.side
            ? `${actor} asked you for more information.`
            : `${actor} asked ${asked === 'customer' ? c.customerName : c.merchantName} for more information.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    }
    case 'offer':
      return {
        summary: `${c.merchantName} made an offer`,
        happened: `${actor} offered a partial refund of ${mailMoney(d.amount ?? 0, d.currency ?? c.currency)}.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'denied':
      return {
        summary: `${c.merchantName} replied: request denied`,
        happened: `${actor} denied your request.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'accepted': {
      const rule = ruleWords(d.rule, reader.side === 'customer' ? c.merchantName : 'your');
      const who = rule ? `${c.merchantName} accepted automatically (${rule})` : actor;
      return {
        summary: rule ? `${c.merchantName} accepted automatically: full refund` : `${c.merchantName} accepted: full refund`,
        happened:
          reader.side === 'customer'
            ? `${who} your case: ${outcomeText(after.outcome, c)}. The refund is on its way; we will write again when it is done.`
            : `${who === actor ? `${actor} accepted` : who} the case of ${c.customerName}${d.disputeId ? ` after their bank asked about the payment (dispute ${d.disputeId})` : ''}: ${outcomeText(after.outcome, c)}. The refund is on its way.`,
        quote,
        next: ['The case is closed. There is nothing more to do.'],
      };
    }
    case 'bank_inquiry':
      return {
        summary: `the customer’s bank is asking about this payment`,
        happened: `${c.customerName}’s bank is asking about this payment (${d.stage === 'early_warning' ? 'an early fraud warning' : 'an inquiry'}${d.respondBy ? `, answer by ${formatTime(d.respondBy, reader.timeZone)}` : ''}). Refund now to prevent a chargeback: ${mailMoney(d.amount ?? 0, d.currency ?? c.currency)} is left of the payment.`,
        quote: null,
        next: ['Refund from the case page to stop the chargeback, or answer the customer as usual.', ...nextSteps(after, reader, c, now)],
      };
    case 'offer_accepted':
      return {
        summary: `${c.customerName} accepted your offer`,
        happened: `${actor} accepted your offer: ${outcomeText(after.outcome, c)}. The case is closed.`,
        quote,
        next: ['The refund is made from your payment; there is nothing more to do.'],
      };
    case 'escalated':
      return {
        summary: 'escalated to the platform’s staff',
        happened:
          d.reason === 'merchant_unresponsive'
            ? `${c.merchantName} did not respond in time, so the case went to the platform’s staff.`
            : `${actor} escalated the case to the platform’s staff.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'decided': {
      const outcome = outcomeText(d.outcome, c);
      if (d.final || !after.appealDeadline)
        return {
          summary: `decided: ${d.decision === 'merchant_wins' ? `${c.merchantName} wins` : d.decision === 'credit' ? 'platform credit' : 'refund'}`,
          happened: `${actor} decided the case${d.final ? ' on appeal; this decision is final' : ''}: ${outcome}.`,
          quote: event.message ? { intro: `${actor} gave these reasons:`, text: event.message } : null,
          next: nextSteps(after, reader, c, now),
        };
      // Inside the appeal window nothing has moved yet: say what is decided, and when it takes effect.
      const pending = pendingDecision(d.outcome, c, after.appealDeadline, reader);
      return {
        summary: pending.summary,
        happened: `${actor} decided the case: ${outcome}. ${pending.notYet}`,
        quote: event.message ? { intro: `${actor} gave these reasons:`, text: event.message } : null,
        next: nextSteps(after, reader, c, now),
      };
    }
    case 'appealed':
      return {
        summary: `${event.actor.name} appealed`,
        happened: `${actor} appealed the decision. A different staff member will review the case and make a final decision.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'withdrawn':
      return {
        summary: `${c.customerName} withdrew the case`,
        happened: `${actor} withdrew the case. It is closed.`,
        quote,
        next: nextSteps(after, reader, c, now),
      };
    case 'deadline_passed':
      return {
        summary:
          after.status === 'under_platform_review' ? 'deadline passed: back with the platform’s staff' : 'deadline passed: case closed',
        happened:
          after.status === 'under_platform_review'
            ? `${c.merchantName} did not reply in time; the case is back with the platform’s staff.`
            : `${reader.side === 'customer' ? 'You' : c.customerName} did not reply in time, so the case closed in ${c.merchantName}'s favour.`,
        quote: null,
        next: nextSteps(after, reader, c, now),
      };
    case 'finalized':
      return {
        summary: 'the decision is final',
        happened: `The appeal window closed without an appeal. The decision is final: ${outcomeText(after.outcome, c)}.`,
        quote: null,
        next: ['The case is closed. There is nothing more to do.'],
      };
    case 'refunded_elsewhere': {
      if (d.status)
        return {
          summary: 'closed: payment refunded',
          happened: `The payment was refunded outside the Resolution Center, so the case is closed in ${you === 'you' ? 'your' : `${c.customerName}'s`} favour.`,
          quote: null,
          next: ['The case is closed. There is nothing more to do.'],
        };
      const left =
        d.refundedAmount !== undefined ? ` In all ${mailMoney(d.refundedAmount, d.currency ?? c.currency)} of it has been refunded.` : '';
      return {
        summary: 'payment partly refunded',
        happened: `${d.amount !== undefined ? `${mailMoney(d.amount, d.currency ?? c.currency)} of the payment was` : 'Part of the payment was'} refunded outside the Resolution Center.${left} Any refund decided here pays at most what is left.`,
        quote: null,
        next: nextSteps(after, reader, c, now),
      };
    }
    case 'offer_lapsed':
      return {
        summary: 'the offer lapsed',
        happened: `Part of the payment was refunded outside the Resolution Center, so less is left of it than ${c.merchantName} offered: the offer lapsed and the case is back with ${c.merchantName}.`,
        quote: null,
        next: nextSteps(after, reader, c, now),
      };
    case 'remedy_cancelled':
      return {
        summary: d.reason === 'chargeback' ? 'refund cancelled: chargeback filed' : 'refund cancelled: payment already refunded',
        happened:
          d.reason === 'chargeback'
            ? 'A chargeback was filed with the card issuer, so the bank has taken the money back: the refund or credit decided here is cancelled.'
            : 'The payment was refunded in full outside the Resolution Center, so the refund or credit decided here is cancelled: it would have paid twice.',
        quote: null,
        next: ['The case is closed. There is nothing more to do.'],
      };
    case 'chargeback':
      return {
        summary: 'closed: chargeback filed',
        happened: d.status
          ? 'A chargeback was filed with the card issuer, so the bank now handles this dispute and the case is closed.'
          : 'A chargeback was filed with the card issuer about this payment. The case stays as it was decided; the bank now handles the dispute.',
        quote: null,
        next: ['The case is closed here. Follow the card issuer’s process.'],
      };
    case 'remedy_executed': {
      const money = mailMoney(d.amount ?? 0, d.currency ?? c.currency);
      return {
        summary: event.type === 'credit_issued' ? `credit of ${money} issued` : `refund of ${money} sent`,
        happened:
          event.type === 'credit_issued'
            ? `The platform credited ${money} to ${reader.side === 'customer' ? 'your balance' : `${c.customerName}'s balance`}${reader.side === 'merchant' ? '; nothing is charged to you' : ''}.`
            : `A refund of ${money} was sent ${reader.side === 'customer' ? 'to your original payment method' : `to ${c.customerName}`}${d.simulated ? ' (simulated: no payment provider is configured, so no money moved)' : ''}.`,
        quote: null,
        next: ['The case is closed. There is nothing more to do.'],
      };
    }
    case 'remedy_failed':
      return {
        summary: 'refund failed',
        happened: `The refund of ${mailMoney(d.amount ?? 0, d.currency ?? c.currency)} could not be completed. The platform’s staff have been told and will retry it or issue a credit instead.`,
        quote: null,
        next: ['Nothing to do for now: we will write again when it is resolved.'],
      };
    case 'reminder':
      return {
        summary: `reminder: ${after.dueAt ? timeLeft(after.dueAt, now) : '48 hours'} left`,
        happened: `The deadline on this case is close and it is your turn.`,
        quote: null,
        next: nextSteps(after, reader, c, now),
      };
  }
}

/** Which of the merchant's rules acted (SPEC §12), in words; null when none did. */
function ruleWords(rule: string | undefined, whose: string): string | null {
  if (rule === 'auto_refund')
    return `${whose === 'your' ? 'your' : `${whose}’s`} auto-refund rule: payments below the threshold are refunded at once`;
  if (rule === 'alert_auto_refund')
    return `${whose === 'your' ? 'your' : `${whose}’s`} alert auto-refund rule: a bank’s inquiry below the threshold is refunded at once`;
  return null;
}

function statusWords(status: string): string {
  return status.replaceAll('_', ' ');
}

export function render(template: Template, event: NewEvent, after: CaseState, reader: Reader, mc: MailCase, now: Date): RenderedMail {
  const c = { ...mc, productName: oneLine(mc.productName), customerName: oneLine(mc.customerName), merchantName: oneLine(mc.merchantName) };
  const k = content(template, event, after, reader, c, now);
  const brand = c.brand;
  const subject = oneLine(`[${brand.name}] Case ${c.id} (${c.productName}) — ${k.summary}`).slice(0, 250);
  const greeting = `Hello ${oneLine(reader.name)},`;
  const about = `Case ${c.id}: ${c.customerName} and ${c.merchantName}, about ${c.productName}.`;
  const quoteText = k.quote ? ['', k.quote.intro, ...k.quote.text.split(/\r\n|\r|\n/).map((l) => `> ${l}`)] : [];
  const text = [
    greeting,
    '',
    k.happened,
    ...quoteText,
    '',
    'What you can do:',
    ...k.next.map((n) => `- ${n}`),
    '',
    `Open the case: ${c.url}`,
    '',
    '--',
    about,
    `You receive this email from ${brand.name} because you are a party to this case.`,
  ].join('\n');
  const p = (s: string) => `<p style="margin:0 0 12px">${escapeHtml(s)}</p>`;
  const quoteHtml = k.quote
    ? `<p style="margin:0 0 4px;color:#555">${escapeHtml(k.quote.intro)}</p>` +
      `<blockquote style="margin:0 0 12px;padding:8px 12px;border-left:3px solid #ccc;color:#333">${escapeHtml(k.quote.text).replace(/\r\n|\r|\n/g, '<br>')}</blockquote>`
    : '';
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;color:#111;max-width:600px">',
    brandHeader(brand),
    p(greeting),
    p(k.happened),
    quoteHtml,
    '<p style="margin:0 0 4px"><strong>What you can do</strong></p>',
    `<ul style="margin:0 0 12px">${k.next.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`,
    caseButton(c.url, brand),
    `<p style="margin:24px 0 0;color:#777;font-size:13px">${escapeHtml(about)}<br>You receive this email from ${escapeHtml(brand.name)} because you are a party to this case.</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
