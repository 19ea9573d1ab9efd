/**
 * Stripe's events (`POST /api/v1/providers/stripe/webhook`): verified with the
 * endpoint's signing secret over the exact bytes received, then mapped onto the
 * platform's own reports: `charge.refunded` is a refund made outside the
 * Resolution Center; `charge.dispute.*` and `radar.early_fraud_warning.*` are bank
 * disputes, mapped by the dispute's status (SPEC §12): an inquiry, a chargeback or
 * its outcome, an early fraud warning.
 */
import Stripe from 'stripe';
import { z } from 'zod';
import type { Services } from '../services.js';
import { stripeDisputeMapping } from '../domain/dispute.js';
import { DomainError } from '../domain/errors.js';
import type { FastifyZod } from '../http/kit.js';
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
/** Stripe's Dispute object, the fields used here. */
const DisputeObject = z.object({
  id: z.string(),
  charge: Ref,
  payment_intent: Ref,
  status: z.string(),
  amount: z.number().int().nonnegative().optional(),
  currency: z.string().optional(),
  reason: z.string().nullish(),
  evidence_details: z.object({ due_by: z.number().int().nullish() }).nullish(),
});
/** Stripe's Radar EarlyFraudWarning object. */
const EarlyFraudWarningObject = z.object({
  id: z.string(),
  charge: Ref,
  payment_intent: Ref,
  actionable: z.boolean(),
  fraud_type: z.string().nullish(),
});

const invalidEvent = (detail: string) => new DomainError('invalid_event', detail);

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

const isoOf = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** `charge.dispute.created|updated|closed`, ordered by the event's `created` (an older one never rolls back). */
async function disputeEvent(s: Services, type: string, object: unknown, created: number): Promise<WebhookAnswer> {
  const parsed = DisputeObject.safeParse(object);
  if (!parsed.success) throw invalidEvent(`${type} without a dispute object.`);
  const d = parsed.data;
  const mapped = stripeDisputeMapping(d.status);
  if (!mapped) throw invalidEvent(`A dispute status "${d.status}" is not one Stripe documents.`);
  const payment = await findPayment(s, 'stripe', [refId(d.payment_intent), refId(d.charge)]);
  if (!payment) return ignored;
  const dueBy = d.evidence_details?.due_by;
  return providerDispute(s, payment, 'stripe', d.id, {
    ...mapped,
    reportedAt: isoOf(created),
    ...(d.amount !== undefined ? { amount: d.amount } : {}),
    ...(d.currency !== undefined ? { currency: d.currency.toUpperCase() } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(dueBy !== undefined ? { respondBy: dueBy === null ? null : isoOf(dueBy) } : {}),
  });
}

/** `radar.early_fraud_warning.created|updated`: an early warning; one no longer actionable needs nothing more. */
async function earlyFraudWarning(s: Services, type: string, object: unknown, created: number): Promise<WebhookAnswer> {
  const parsed = EarlyFraudWarningObject.safeParse(object);
  if (!parsed.success) throw invalidEvent(`${type} without an early fraud warning object.`);
  const w = parsed.data;
  const payment = await findPayment(s, 'stripe', [refId(w.payment_intent), refId(w.charge)]);
  if (!payment) return ignored;
  return providerDispute(s, payment, 'stripe', w.id, {
    stage: 'early_warning',
    status: w.actionable ? 'open' : 'closed',
    actionable: w.actionable,
    alertKind: 'early_fraud_warning',
    network: 'stripe_radar',
    ...(w.fraud_type !== undefined ? { reason: w.fraud_type } : {}),
    reportedAt: isoOf(created),
  });
}

export async function stripeWebhookRoutes(app: FastifyZod, s: Services): Promise<void> {
  await rawBodyScope(app, (scope) =>
    scope.post('/api/v1/providers/stripe/webhook', {
      schema: {
        tags: ['providers'],
        summary:
          'Stripe events: charge.refunded, charge.dispute.created|updated|closed, radar.early_fraud_warning.created|updated; signed with STRIPE_WEBHOOK_SECRET',
        response: { 200: WebhookAnswer },
      },
      handler: async (req): Promise<WebhookAnswer> => {
        const secret = s.config.stripe.webhookSecret;
        if (!secret) throw new DomainError('not_found', 'Stripe events are not configured on this service.');
        const signature = req.headers['stripe-signature'];
        if (typeof signature !== 'string' || !Buffer.isBuffer(req.body))
          throw new DomainError('invalid_signature', 'The Stripe-Signature header or the body is missing.');
        let event: Stripe.Event;
        try {
          // The tolerance is against the real time, never the movable clock: a replay stays a replay (SPEC §12).
          event = Stripe.webhooks.constructEvent(req.body, signature, secret, TOLERANCE_SECONDS, undefined, Date.now());
        } catch {
          throw new DomainError('invalid_signature', 'The Stripe-Signature does not match this body, or it is too old.');
        }
        req.log.info({ stripeEvent: event.id, type: event.type }, 'stripe event');
        switch (event.type) {
          case 'charge.refunded':
            return chargeRefunded(s, event.data.object);
          case 'charge.dispute.created':
          case 'charge.dispute.updated':
          case 'charge.dispute.closed':
            return disputeEvent(s, event.type, event.data.object, event.created);
          case 'radar.early_fraud_warning.created':
          case 'radar.early_fraud_warning.updated':
            return earlyFraudWarning(s, event.type, event.data.object, event.created);
          default:
            // Acknowledged, so Stripe stops resending an event this service does not use.
            return ignored;
        }
      },
    }),
  );
}
