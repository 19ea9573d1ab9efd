/**
 * Who is this customer? (SPEC §16): beside a case, staff see the customer's history across
 * every merchant and the merchant's record. Reads the customer's own cases and payments
 * (cases_customer, payments_customer) and the merchant's 90-day insights, never a scan.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { CHARGEBACK_STAGES } from '../domain/dispute.js';
import { notFound } from '../domain/errors.js';
import type { CaseStatus } from '../domain/model.js';
import type { Insights } from './insights.js';

/** How many of the customer's latest cases `recent` lists. */
export const RECENT = 20;

export interface CustomerContext {
  customer: {
    id: string;
    name: string;
    cases: { total: number; won: number; lost: number; withdrawn: number; chargebacks: number; chargebacksAfterDenial: number };
    payments: { total: number; withCases: number };
    recent: { caseId: string; merchant: { id: string; name: string }; status: CaseStatus; createdAt: string }[];
  };
  merchant: {
    id: string;
    name: string;
    disputeRate: number | null;
    chargebackRate: number | null;
    medianFirstResponseMs: number | null;
    lostShare: number | null;
  };
}

export async function caseContext(db: Kysely<DB>, insights: Insights, caseId: string, now: number): Promise<CustomerContext> {
  const c = await db
    .selectFrom('cases')
    .innerJoin('users', 'users.id', 'cases.customer_id')
    .innerJoin('merchants', 'merchants.id', 'cases.merchant_id')
    .select(['cases.customer_id', 'users.name as customer_name', 'cases.merchant_id', 'merchants.name as merchant_name'])
    .where('cases.id', '=', caseId)
    .executeTakeFirst();
  if (!c) throw notFound('case');
  const customerId = c.customer_id;
  const [cases, payments, chargebacks, m] = await Promise.all([
    db
      .selectFrom('cases')
      .innerJoin('merchants', 'merchants.id', 'cases.merchant_id')
      .select(['cases.id', 'cases.payment_id', 'cases.status', 'cases.created_at', 'cases.merchant_id', 'merchants.name as merchant_name'])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('case_events')
              .select('case_events.seq')
              .whereRef('case_events.case_id', '=', 'cases.id')
              .where('case_events.type', '=', 'denied'),
          )
          .as('denied'),
      )
      .where('cases.customer_id', '=', customerId)
      .orderBy('cases.created_at', 'desc')
      .orderBy('cases.id', 'desc')
      .execute(),
    db
      .selectFrom('payments')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('disputes')
      .innerJoin('payments', 'payments.id', 'disputes.payment_id')
      .select('disputes.payment_id')
      .where('payments.customer_id', '=', customerId)
      .where('disputes.stage', 'in', [...CHARGEBACK_STAGES])
      .execute(),
    insights.merchant({ id: c.merchant_id, name: c.merchant_name }, '90d', now),
  ]);
  const charged = new Set(chargebacks.map((d) => d.payment_id));
  const count = (s: CaseStatus) => cases.filter((x) => x.status === s).length;
  const afterDenial = cases.filter((x) => charged.has(x.payment_id) && (Boolean(Number(x.denied)) || x.status === 'merchant_won')).length;
  const closed = m.outcomes.customer_won + m.outcomes.merchant_won + m.outcomes.customer_withdrew + m.outcomes.chargeback_filed;
  return {
    customer: {
      id: customerId,
      name: c.customer_name,
      cases: {
        total: cases.length,
        won: count('customer_won'),
        lost: count('merchant_won'),
        withdrawn: count('customer_withdrew'),
        chargebacks: charged.size,
        chargebacksAfterDenial: afterDenial,
      },
      payments: { total: Number(payments.n), withCases: cases.length },
      recent: cases.slice(0, RECENT).map((x) => ({
        caseId: x.id,
        merchant: { id: x.merchant_id, name: x.merchant_name },
        status: x.status as CaseStatus,
        createdAt: x.created_at,
      })),
    },
    merchant: {
      id: c.merchant_id,
      name: c.merchant_name,
      disputeRate: m.disputeRate,
      chargebackRate: m.chargebackRate,
      medianFirstResponseMs: m.medianFirstResponseMs,
      lostShare: closed > 0 ? m.outcomes.customer_won / closed : null,
    },
  };
}
