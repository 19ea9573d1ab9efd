/**
 * Saved replies (SPEC §16): text with variables, filled in from the case. Pure: the web app's
 * reply box and the tests use the same function. Variables are values, not markup: the
 * filled text is a message like any other, escaped wherever it is shown as HTML.
 */
import { formatMoney } from './money.js';

export const REPLY_VARIABLES = ['customer.name', 'merchant.name', 'payment.amount', 'case.dueAt'] as const;
export type ReplyVariable = (typeof REPLY_VARIABLES)[number];

export interface ReplyFacts {
  customer: { name: string };
  merchant: { name: string };
  payment: { amount: number; currency: string };
  dueAt: string | null;
}

/** The values of the variables for one case; `case.dueAt` as an ISO time, or empty when there is none. */
export function replyValues(f: ReplyFacts, formatTime: (iso: string) => string = (iso) => iso): Record<ReplyVariable, string> {
  return {
    'customer.name': f.customer.name,
    'merchant.name': f.merchant.name,
    'payment.amount': formatMoney(f.payment.amount, f.payment.currency),
    'case.dueAt': f.dueAt ? formatTime(f.dueAt) : '',
  };
}

/** `{{customer.name}}` → its value; an unknown `{{…}}` stays as written. */
export function fillReply(body: string, values: Record<ReplyVariable, string>): string {
  return body.replace(/\{\{\s*([a-zA-Z.]+)\s*\}\}/g, (whole, name: string) =>
    (REPLY_VARIABLES as readonly string[]).includes(name) ? values[name as ReplyVariable] : whole,
  );
}
