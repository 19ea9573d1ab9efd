/**
 * The outbox handler of a dispute's own refund (SPEC §12: an alert on a payment without
 * an open case). Exactly once: the row's key (`rc-dispute-refund-<disputeId>`) goes to
 * the provider on every attempt, and the recording is conditional on the refund still
 * being pending, so a repeat after a crash gets the first refund back and records
 * nothing twice. What is left of the payment is re-checked just before the call.
 */
import type { Kysely } from 'kysely';
import { overRefunded } from '../cases/service.js';
import type { Clock } from '../clock.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { type OutboxHandler, PermanentError } from '../outbox/outbox.js';
import type { Providers } from '../payments/provider.js';

export function disputeRefundHandler(db: Kysely<DB>, clock: Clock, providers: Providers): OutboxHandler {
  const load = (disputeId: string) =>
    db
      .selectFrom('disputes')
      .innerJoin('payments', 'payments.id', 'disputes.payment_id')
      .select([
        'disputes.refund_state',
        'disputes.refund_amount',
        'payments.id as payment_id',
        'payments.provider',
        'payments.provider_payment_id',
        'payments.amount',
        'payments.currency',
        'payments.refunded_amount',
        'payments.credited_amount',
      ])
      .where('disputes.id', '=', disputeId)
      .executeTakeFirstOrThrow();

  return {
    maxAttempts: 6,
    async handle(row: OutboxRow) {
      const { disputeId } = JSON.parse(row.payload) as { disputeId: string };
      const d = await load(disputeId);
      if (d.refund_state !== 'pending') return;
      const left = d.amount - d.refunded_amount - d.credited_amount;
      const amount = Math.min(d.refund_amount ?? 0, left);
      const now = () => clock.now().toISOString();
      if (amount <= 0) {
        await db
          .updateTable('disputes')
          .set({ refund_state: 'nothing_left', refund_amount: 0, updated_at: now() })
          .where('id', '=', disputeId)
          .where('refund_state', '=', 'pending')
          .execute();
        return;
      }
      const provider = providers[d.provider];
      if (!provider) throw new PermanentError(`No refund provider for "${d.provider}" payments`);
      const { refundId } = await provider.refund({
        providerPaymentId: d.provider_payment_id,
        amount,
        currency: d.currency,
        idempotencyKey: row.idempotency_key,
      });
      await db.transaction().execute(async (trx) => {
        const done = await trx
          .updateTable('disputes')
          .set({ refund_state: 'succeeded', refund_amount: amount, refund_id: refundId, updated_at: now() })
          .where('id', '=', disputeId)
          .where('refund_state', '=', 'pending')
          .executeTakeFirst();
        if (done.numUpdatedRows === 0n) return;
        const p = await trx.selectFrom('payments').selectAll().where('id', '=', d.payment_id).executeTakeFirstOrThrow();
        const refunded = p.refunded_amount + amount;
        await trx
          .updateTable('payments')
          .set({
            refunded_amount: refunded,
            status: refunded >= p.amount ? 'refunded' : 'partially_refunded',
            over_refunded: overRefunded(p.amount, refunded, p.credited_amount),
            updated_at: now(),
          })
          .where('id', '=', p.id)
          .execute();
      });
    },
    async onDead(row: OutboxRow) {
      // The refund did not happen: the alert is open again for the merchant (or staff) to decide.
      const { disputeId } = JSON.parse(row.payload) as { disputeId: string };
      await db
        .updateTable('disputes')
        .set({ refund_state: 'failed', status: 'open', updated_at: clock.now().toISOString() })
        .where('id', '=', disputeId)
        .where('refund_state', '=', 'pending')
        .execute();
    },
  };
}
