/** The outbox handler that executes a final refund through the payment's provider. */
import type { Kysely } from 'kysely';
import type { CaseService } from '../cases/service.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { type OutboxHandler, PermanentError } from '../outbox/outbox.js';
import type { Providers } from './provider.js';

interface RemedyPayload {
  caseId: string;
  amount: number;
  currency: string;
}

export function remedyHandler(db: Kysely<DB>, cases: CaseService, providers: Providers): OutboxHandler {
  return {
    maxAttempts: 6,
    async handle(row: OutboxRow) {
      const p = JSON.parse(row.payload) as RemedyPayload;
      const payment = await db
        .selectFrom('cases')
        .innerJoin('payments', 'payments.id', 'cases.payment_id')
        .select(['payments.provider', 'payments.provider_payment_id'])
        .where('cases.id', '=', p.caseId)
        .executeTakeFirstOrThrow();
      const provider = providers[payment.provider];
      if (!provider) throw new PermanentError(`No refund provider for "${payment.provider}" payments`);
      const { refundId } = await provider.refund({
        providerPaymentId: payment.provider_payment_id,
        amount: p.amount,
        currency: p.currency,
        idempotencyKey: row.idempotency_key,
      });
      await cases.system(p.caseId, { type: 'refund_succeeded', provider: provider.name, refundId, simulated: provider.simulated });
    },
    async onDead(row: OutboxRow, error: string) {
      const p = JSON.parse(row.payload) as RemedyPayload;
      await cases.system(p.caseId, { type: 'refund_failed', provider: 'payment provider', error });
    },
  };
}
