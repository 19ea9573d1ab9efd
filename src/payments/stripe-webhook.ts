/**
 * Stripe's events (`POST /api/v1/providers/stripe/webhook`): verified with the
 * endpoint's signing secret over the exact bytes received, then mapped onto the
 * platform's own reports (PlatformSync): `charge.refunded` is a refund made
 * outside the Resolution Center, `charge.dispute.created` a chargeback.
 * Every mapping is idempotent, so Stripe's at-least-once delivery is harmless.
 */
import Stripe from 'stripe';
import { z } from 'zod';
import type { Services } from '../app.js';
import { parseState } from '../cases/service.js';
import { DomainError } from '../domain/errors.js';
import type { PaymentRow } from '../db/schema.js';
import type { FastifyZod } from '../http/server.js';

/** Stripe's default: an event signed longer ago than this is a replay. */
const TOLERANCE_SECONDS = 300;

const Ref = z.union([z.string(), z.object({ id: z.string() })]).nullish();
const refId = (r: z.infer<typeof Ref>) => (typeof r === 'string' ? r : (r?.id ?? null));

const ChargeObject = z.object({
  id: z.string(),
  payment_intent: Ref,
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string(),
});
const DisputeObject = z.object({ charge: Ref, payment_intent: Ref });

export const WebhookAnswer = z.object({
  received: z.literal(true),
  /** False when the event changes nothing here: an unknown type, an unknown payment, a repeat. */
  handled: z.boolean(),
  caseId: z.string().nullable(),
});
type Answer = z.infer<typeof WebhookAnswer>;

const invalidEvent = (detail: string) => new DomainError(400, 'invalid_event', detail);

async function stripePayment(s: Services, ids: (string | null)[]): Promise<PaymentRow | undefined> {
  const known = ids.filter((id): id is string => id !== null);
  if (known.length === 0) return undefined;
  return s.db
    .selectFrom('payments')
    .selectAll()
    .where('provider', '=', 'stripe')
    .where('provider_payment_id', 'in', known)
    .executeTakeFirst();
}

/**
 * Stripe also reports the refunds the Resolution Center made itself. The charge's
 * `amount_refunded` is a running total, so the part not yet recorded here is
 * what this service is still executing (a pending refund outcome); what is left
 * above the payment's known refunded amount happened elsewhere.
 */
async function chargeRefunded(s: Services, object: unknown): Promise<Answer> {
  const charge = ChargeObject.safeParse(object);
  if (!charge.success) throw invalidEvent('charge.refunded without a charge object.');
  const { id, payment_intent, amount_refunded, currency } = charge.data;
  const payment = await stripePayment(s, [refId(payment_intent), id]);
  if (!payment) return { received: true, handled: false, caseId: null };
  if (currency.toUpperCase() !== payment.currency.toUpperCase())
    throw invalidEvent(`The charge is in ${currency.toUpperCase()}, the payment in ${payment.currency}.`);
  const c = await s.db.selectFrom('cases').select(['id', 'state']).where('payment_id', '=', payment.id).executeTakeFirst();
  const outcome = c ? parseState(c).outcome : null;
  const ownPending =
    outcome?.execution === 'pending' && (outcome.kind === 'refund' || outcome.kind === 'partial_refund') ? outcome.amount : 0;
  const refunded = Math.min(payment.amount, amount_refunded - ownPending);
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

async function disputeCreated(s: Services, object: unknown): Promise<Answer> {
  const dispute = DisputeObject.safeParse(object);
  if (!dispute.success) throw invalidEvent('charge.dispute.created without a dispute object.');
  const payment = await stripePayment(s, [refId(dispute.data.payment_intent), refId(dispute.data.charge)]);
  if (!payment) return { received: true, handled: false, caseId: null };
  const { caseId } = await s.platform.chargeback(payment.id);
  return { received: true, handled: caseId !== null, caseId };
}

export async function stripeWebhookRoutes(app: FastifyZod, s: Services): Promise<void> {
  await app.register((scope: FastifyZod) => {
    // The signature covers the exact bytes Stripe sent: keep them unparsed in this route only.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    scope.post('/api/v1/providers/stripe/webhook', {
      schema: {
        tags: ['providers'],
        summary: 'Stripe events: charge.refunded and charge.dispute.created, signed with STRIPE_WEBHOOK_SECRET',
        response: { 200: WebhookAnswer },
      },
      handler: async (req): Promise<Answer> => {
        const secret = s.config.stripe.webhookSecret;
        if (!secret) throw new DomainError(404, 'not_found', 'Stripe events are not configured on this service.');
        const signature = req.headers['stripe-signature'];
        if (typeof signature !== 'string' || !Buffer.isBuffer(req.body))
          throw new DomainError(400, 'invalid_signature', 'The Stripe-Signature header or the body is missing.');
        let event: Stripe.Event;
        try {
          event = Stripe.webhooks.constructEvent(req.body, signature, secret, TOLERANCE_SECONDS, undefined, s.clock.now().getTime());
        } catch {
          throw new DomainError(400, 'invalid_signature', 'The Stripe-Signature does not match this body, or it is too old.');
        }
        req.log.info({ stripeEvent: event.id, type: event.type }, 'stripe event');
        switch (event.type) {
          case 'charge.refunded':
            return chargeRefunded(s, event.data.object);
          case 'charge.dispute.created':
            return disputeCreated(s, event.data.object);
          default:
            // Acknowledged, so Stripe stops resending an event this service does not use.
            return { received: true, handled: false, caseId: null };
        }
      },
    });
    return Promise.resolve();
  });
}
