/**
 * What a provider's events mean here, whichever provider sent them: a refund
 * made at the provider and a dispute are the platform's own reports
 * (PlatformSync), so they take the same path as `PUT /platform/payments/{id}`
 * and `POST /platform/payments/{id}/chargeback`. Each mapping is idempotent:
 * providers deliver at least once.
 */
import { z } from 'zod';
import type { Services } from '../app.js';
import { parseState } from '../cases/service.js';
import type { PaymentRow } from '../db/schema.js';
import type { FastifyZod } from '../http/server.js';

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
 * The provider says `totalRefunded` (minor units, a running total) has been
 * refunded on the payment. That total includes the refunds this service made
 * itself: the part still pending here (a pending refund outcome) is subtracted,
 * and only what exceeds the payment's known refunded amount counts as refunded
 * elsewhere. A full refund closes an open case, as the platform's report does.
 */
export async function providerRefunded(s: Services, payment: PaymentRow, totalRefunded: number): Promise<WebhookAnswer> {
  const c = await s.db.selectFrom('cases').select(['id', 'state']).where('payment_id', '=', payment.id).executeTakeFirst();
  const outcome = c ? parseState(c).outcome : null;
  const ownPending =
    outcome?.execution === 'pending' && (outcome.kind === 'refund' || outcome.kind === 'partial_refund') ? outcome.amount : 0;
  const refunded = Math.min(payment.amount, totalRefunded - ownPending);
  if (refunded <= payment.refunded_amount) return { received: true, handled: false, caseId: c?.id ?? null };
  const result = await s.platform.putPayment(payment.id, {
    customerId: payment.customer_id,
    merchantId: payment.merchant_id,
    amount: payment.amount,
    currency: payment.currency,
    provider: payment.provider,
    providerPaymentId: payment.provider_payment_id,
    status: refunded >= payment.amount ? 'refunded' : 'partially_refunded',
    refundedAmount: refunded,
    productName: payment.product_name,
    paidAt: payment.paid_at,
  });
  return { received: true, handled: true, caseId: result.caseId };
}

/** The customer disputed the payment with the provider: a chargeback closes the open case. */
export async function providerDispute(s: Services, payment: PaymentRow): Promise<WebhookAnswer> {
  const { caseId } = await s.platform.chargeback(payment.id);
  return { received: true, handled: caseId !== null, caseId };
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
