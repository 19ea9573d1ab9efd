/**
 * What a provider's events mean here, whichever provider sent them: a refund
 * made at the provider and a dispute are the platform's own reports
 * (PlatformSync), so they take the same path as `PUT /platform/payments/{id}`
 * and `POST /platform/payments/{id}/chargeback`. Each mapping is idempotent:
 * providers deliver at least once.
 */
import { z } from 'zod';
import type { Services } from '../services.js';
import { parseState } from '../cases/service.js';
import { DomainError } from '../domain/errors.js';
import type { PaymentRow } from '../db/schema.js';
import type { Provider } from '../domain/model.js';
import type { IncomingReport } from '../disputes/disputes.js';
import type { FastifyZod } from '../http/kit.js';

export const WebhookAnswer = z.object({
  received: z.literal(true),
  /** False when the event changes nothing here: an unknown type, an unknown payment, a repeat. */
  handled: z.boolean(),
  caseId: z.string().nullable(),
});
export type WebhookAnswer = z.infer<typeof WebhookAnswer>;

export const ignored: WebhookAnswer = { received: true, handled: false, caseId: null };

/** The payment the provider's ids name (`providerPaymentId`), if this service knows it. */
export async function findPayment(s: Services, provider: string, ids: (string | null | undefined)[]): Promise<PaymentRow | undefined> {
  const known = ids.filter((id): id is string => typeof id === 'string' && id !== '');
  if (known.length === 0) return undefined;
  return s.db
    .selectFrom('payments')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_payment_id', 'in', known)
    .executeTakeFirst();
}

/**
 * The provider says `totalRefunded` (minor units, a running total that includes the
 * refunds this service made) has been refunded on the payment. Providers deliver out of
 * order: a total at or below what is known already says nothing new. What exceeds it was
 * refunded elsewhere and goes to the case through the platform's own report path.
 */
export async function providerRefunded(s: Services, payment: PaymentRow, totalRefunded: number): Promise<WebhookAnswer> {
  const c = await s.db.selectFrom('cases').select(['id', 'state']).where('payment_id', '=', payment.id).executeTakeFirst();
  const state = c ? parseState(c) : null;
  // The echo of a refund this service is making right now (its result not recorded yet) is not news:
  // the executor records it. Counting it as "elsewhere" too would count it twice.
  const caseInFlight =
    state?.final && state.outcome?.execution === 'pending' && (state.outcome.kind === 'refund' || state.outcome.kind === 'partial_refund')
      ? state.outcome.amount
      : 0;
  // Likewise a dispute's own refund (SPEC §12) that the worker has not recorded yet.
  const disputeRefunds = await s.db
    .selectFrom('disputes')
    .select('refund_amount')
    .where('payment_id', '=', payment.id)
    .where('refund_state', '=', 'pending')
    .execute();
  const inFlight = caseInFlight + disputeRefunds.reduce((sum, d) => sum + (d.refund_amount ?? 0), 0);
  if (totalRefunded - inFlight <= payment.refunded_amount) return { received: true, handled: false, caseId: c?.id ?? null };
  if (totalRefunded > payment.amount) throw new DomainError('invalid_event', `A refunded total of ${totalRefunded} exceeds the payment.`);
  const result = await s.platform.putPayment(payment.id, {
    customerId: payment.customer_id,
    merchantId: payment.merchant_id,
    amount: payment.amount,
    currency: payment.currency,
    provider: payment.provider as Provider,
    providerPaymentId: payment.provider_payment_id,
    status: totalRefunded - inFlight >= payment.amount ? 'refunded' : 'partially_refunded',
    refundedAmount: totalRefunded - inFlight,
    productName: payment.product_name,
    paidAt: payment.paid_at,
  });
  return { received: true, handled: true, caseId: result.caseId };
}

/** What the provider says about a dispute of the payment, folded into its record (SPEC §12). */
export async function providerDispute(
  s: Services,
  payment: PaymentRow,
  source: 'stripe' | 'paypal',
  externalId: string,
  report: IncomingReport,
): Promise<WebhookAnswer> {
  if (report.currency !== undefined && report.currency !== payment.currency.toUpperCase())
    throw new DomainError('invalid_event', `The dispute is in ${report.currency}, the payment in ${payment.currency}.`);
  const { changed, caseId } = await s.disputes.report(payment.id, source, externalId, report);
  return { received: true, handled: changed, caseId };
}

/** Registers a route in its own scope whose body arrives as the exact bytes sent (for signatures). */
export async function rawBodyScope(app: FastifyZod, routes: (scope: FastifyZod) => void): Promise<void> {
  await app.register((scope: FastifyZod) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    routes(scope);
    return Promise.resolve();
  });
}
