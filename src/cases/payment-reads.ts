/**
 * The customer's money side (SPEC §2, §9): `orders` lists their payments with whether each
 * may still be disputed, `credits` their store-credit entries and balance per currency.
 * Payments, not cases: these reads start from the payments and credit tables, and only
 * name the case a payment already has.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { eligibility } from '../domain/eligibility.js';
import type { DB } from '../db/schema.js';
import { decodeCursor, encodeCursor } from '../db/paging.js';
import type { Viewer } from './access.js';
import { chargebackCount, eligibilityFacts } from './service.js';

export class PaymentReads {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Config,
  ) {}

  /** The customer's payments with their eligibility (SPEC §2), newest first, a page at a time. */
  async orders(viewer: Viewer, now: Date, page: { limit: number; cursor?: string | undefined }) {
    const cursor = decodeCursor(page.cursor);
    let q = this.db
      .selectFrom('payments')
      .innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
      .leftJoin('cases', 'cases.payment_id', 'payments.id')
      .select([
        'payments.id',
        'payments.amount',
        'payments.currency',
        'payments.refunded_amount',
        'payments.provider',
        'payments.product_name',
        'payments.paid_at',
        'payments.status',
        'payments.merchant_id',
        'merchants.name as merchant_name',
        'cases.id as case_id',
      ])
      .select(chargebackCount)
      .where('payments.customer_id', '=', viewer.userId);
    if (cursor) q = q.where((eb) => eb(eb.refTuple('payments.paid_at', 'payments.id'), '<', eb.tuple(cursor.a, cursor.id)));
    const rows = await q
      .orderBy('payments.paid_at', 'desc')
      .orderBy('payments.id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
    return {
      nextCursor: last ? encodeCursor(last.paid_at, last.id) : null,
      data: rows.slice(0, page.limit).map((p) => {
        const reason = eligibility(eligibilityFacts(p), viewer.merchantIds, now, this.config.filingWindow);
        return {
          id: p.id,
          amount: p.amount,
          currency: p.currency,
          refundedAmount: p.refunded_amount,
          provider: p.provider,
          productName: p.product_name,
          paidAt: p.paid_at,
          status: p.status,
          merchant: { id: p.merchant_id, name: p.merchant_name },
          eligibility: { eligible: reason === null, reason },
          caseId: p.case_id,
        };
      }),
    };
  }

  async credits(viewer: Viewer) {
    const entries = await this.db
      .selectFrom('credit_entries')
      .select(['id', 'case_id', 'currency', 'amount', 'created_at'])
      .where('customer_id', '=', viewer.userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const balances = new Map<string, number>();
    for (const e of entries) balances.set(e.currency, (balances.get(e.currency) ?? 0) + e.amount);
    return {
      balances: [...balances].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount })),
      entries: entries.map((e) => ({ id: e.id, caseId: e.case_id, currency: e.currency, amount: e.amount, createdAt: e.created_at })),
    };
  }
}
