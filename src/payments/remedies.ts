/**
 * The outbox handler that executes a final refund through the payment's
 * provider (SPEC §5). Exactly once: the outbox row's key (`rc-refund-<caseId>`)
 * goes to the provider on every attempt, so a repeat after a crash between the
 * provider's answer and the recording gets the first refund back, and the
 * recording itself is a no-op once the case's outcome is no longer pending. What is
 * refunded is re-checked against what is left of the payment just before the call.
 */
import type { Kysely } from 'kysely';
import { type CaseService, parseState } from '../cases/service.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { type OutboxHandler, PermanentError } from '../outbox/outbox.js';
import type { Providers } from './provider.js';

interface RemedyPayload {
  caseId: string;
  amount: number;
  currency: string;
}

export function remedyHandler(db: Kysely<DB>, cases: CaseService, providers: Providers): OutboxHandler {
  const load = (caseId: string) =>
    db
      .selectFrom('cases')
      .innerJoin('payments', 'payments.id', 'cases.payment_id')
      .select([
        'cases.state',
        'payments.provider',
        'payments.provider_payment_id',
        'payments.amount',
        'payments.refunded_amount',
        'payments.credited_amount',
      ])
      .where('cases.id', '=', caseId)
      .executeTakeFirstOrThrow();

  return {
    // With the outbox's backoff (10 s doubling), about five minutes of outage before staff are asked.
    maxAttempts: 6,
    async handle(row: OutboxRow) {
      const p = JSON.parse(row.payload) as RemedyPayload;
      const c = await load(p.caseId);
      const outcome = parseState(c).outcome;
      // Already recorded (a crash after recording, before the row was marked done), or no
      // refund is owed any more: calling the provider again would be pointless at best.
      if (outcome?.execution !== 'pending' || (outcome.kind !== 'refund' && outcome.kind !== 'partial_refund')) return;
      // SPEC §11: re-checked at execution time; a refund made elsewhere since the decision shrinks or cancels it.
      const left = c.amount - c.refunded_amount - c.credited_amount;
      if (left <= 0) {
        await cases.system(p.caseId, { type: 'remedy_nothing_left' });
        return;
      }
      const amount = Math.min(p.amount, outcome.amount, left);
      const provider = providers[c.provider];
      if (!provider) throw new PermanentError(`No refund provider for "${c.provider}" payments`);
      const { refundId } = await provider.refund({
        providerPaymentId: c.provider_payment_id,
        amount,
        currency: p.currency,
        idempotencyKey: row.idempotency_key,
      });
      await cases.system(p.caseId, { type: 'refund_succeeded', provider: provider.name, refundId, simulated: provider.simulated, amount });
    },
    async onDead(row: OutboxRow, error: string) {
      const p = JSON.parse(row.payload) as RemedyPayload;
      const c = await load(p.caseId);
      await cases.system(p.caseId, { type: 'refund_failed', provider: c.provider, error });
    },
  };
}
