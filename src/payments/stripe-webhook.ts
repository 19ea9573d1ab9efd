/**
 * Stripe's events (`POST /api/v1/providers/stripe/webhook`): verified with the
 * endpoint's signing secret over the exact bytes received, then mapped onto the
 * platform's own reports: `charge.refunded` is a refund made outside the
 * Resolution Center, `charge.dispute.created` a chargeback.
 */
import Stripe from 'stripe';
import { z } from 'zod';
import type { Services } from '../app.js';
import { DomainError } from '../domain/errors.js';
import type { FastifyZod } from '../http/server.js';
import { WebhookAnswer, findPayment, ignored, providerDispute, providerRefunded, rawBodyScope } from './provider-events.js';

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
const DisputeObject = z.object({ id: z.string(), charge: Ref, payment_intent: Ref });

const invalidEvent = (detail: string) => new DomainError(400, 'invalid_event', detail);

async function chargeRefunded(s: Services, object: unknown): Promise<WebhookAnswer> {
  const charge = ChargeObject.safeParse(object);
  if (!charge.success) throw invalidEvent('charge.refunded without a charge object.');
  const { id, payment_intent, amount_refunded, currency } = charge.data;
  const payment = await findPayment(s, 'stripe', [refId(payment_intent), id]);
  if (!payment) return ignored;
  if (currency.toUpperCase() !== payment.currency.toUpperCase())
    throw invalidEvent(`The charge is in ${currency.toUpperCase()}, the payment in ${payment.currency}.`);
  return providerRefunded(s, payment, amount_refunded);
}

async function disputeCreated(s: Services, object: unknown, created: number): Promise<WebhookAnswer> {
  const dispute = DisputeObject.safeParse(object);
  if (!dispute.success) throw invalidEvent('charge.dispute.created without a dispute object.');
  const payment = await findPayment(s, 'stripe', [refId(dispute.data.payment_intent), refId(dispute.data.charge)]);
  return payment ? providerDispute(s, payment, 'stripe', dispute.data.id, new Date(created * 1000).toISOString()) : ignored;
}

export async function stripeWebhookRoutes(app: FastifyZod, s: Services): Promise<void> {
  await rawBodyScope(app, (scope) =>
    scope.post('/api/v1/providers/stripe/webhook', {
      schema: {
        tags: ['providers'],
        summary: 'Stripe events: charge.refunded and charge.dispute.created, signed with STRIPE_WEBHOOK_SECRET',
        response: { 200: WebhookAnswer },
      },
      handler: async (req): Promise<WebhookAnswer> => {
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
            return disputeCreated(s, event.data.object, event.created);
          default:
            // Acknowledged, so Stripe stops resending an event this service does not use.
            return ignored;
        }
      },
    }),
  );
}
