/**
 * The case row every read starts from: a case joined with its payment and the names of its
 * customer, merchant and assignee. Views (views.ts), case reads and lists (queries.ts) and
 * staff's queue (review-queue.ts) all select these columns, so the joined shape is written
 * once here and each reader only adds its filters and order.
 */
import type { Kysely } from 'kysely';
import type { CaseRow, DB, PaymentRow } from '../db/schema.js';

const caseColumns = [
  'cases.id',
  'cases.payment_id',
  'cases.customer_id',
  'cases.merchant_id',
  'cases.issue_type',
  'cases.description',
  'cases.status',
  'cases.due_at',
  'cases.appeal_deadline',
  'cases.final',
  'cases.review_since',
  'cases.remedy_failed',
  'cases.assignee_id',
  'cases.state',
  'cases.version',
  'cases.created_at',
  'cases.updated_at',
  'payments.amount as p_amount',
  'payments.currency as p_currency',
  'payments.refunded_amount as p_refunded',
  'payments.credited_amount as p_credited',
  'payments.provider as p_provider',
  'payments.product_name as p_product',
  'payments.paid_at as p_paid_at',
  'customer.name as customer_name',
  'merchants.name as merchant_name',
  'assignee.name as assignee_name',
] as const;

export function baseQuery(db: Kysely<DB>) {
  return db
    .selectFrom('cases')
    .innerJoin('payments', 'payments.id', 'cases.payment_id')
    .innerJoin('users as customer', 'customer.id', 'cases.customer_id')
    .innerJoin('merchants', 'merchants.id', 'cases.merchant_id')
    .leftJoin('users as assignee', 'assignee.id', 'cases.assignee_id')
    .select(caseColumns);
}

/** The cases of a list, before the joins: filters, cursor and order run on the cases table alone. */
export function casesOnly(db: Kysely<DB>) {
  return db.selectFrom('cases');
}

export type CasesQuery = ReturnType<typeof casesOnly>;

export type JoinedCase = CaseRow & {
  p_amount: number;
  p_currency: string;
  p_refunded: number;
  p_credited: number;
  p_provider: string;
  p_product: string;
  p_paid_at: string;
  customer_name: string;
  merchant_name: string;
  assignee_name: string | null;
};

/** The names a case view shows beside the case and payment rows. */
export interface CaseNames {
  customer_name: string;
  merchant_name: string;
  assignee_name: string | null;
}

/** The joined row from rows the caller already holds (a change's own case row, payment and names). */
export function joinedOf(row: CaseRow, payment: PaymentRow, names: CaseNames): JoinedCase {
  return {
    ...row,
    p_amount: payment.amount,
    p_currency: payment.currency,
    p_refunded: payment.refunded_amount,
    p_credited: payment.credited_amount,
    p_provider: payment.provider,
    p_product: payment.product_name,
    p_paid_at: payment.paid_at,
    ...names,
  };
}
