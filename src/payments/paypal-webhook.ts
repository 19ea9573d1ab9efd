/**
 * PayPal's events (`POST /api/v1/providers/paypal/webhook`): each delivery is
 * verified by PayPal itself (verify-webhook-signature, with PAYPAL_WEBHOOK_ID),
 * then mapped like Stripe's: `PAYMENT.CAPTURE.REFUNDED` is a refund made outside
 * the Resolution Center, `CUSTOMER.DISPUTE.CREATED` a chargeback.
 */
import { z } from 'zod';
import type { Services } from '../app.js';
import { DomainError } from '../domain/errors.js';
import { fromDecimalString } from '../domain/money.js';
import type { FastifyZod } from '../http/server.js';
import { PayPalProvider, type WebhookHeaders } from './paypal.js';
import { WebhookAnswer, findPayment, ignored, providerDispute, providerRefunded, rawBodyScope } from './provider-events.js';

const PayPalMoney = z.object({ value: z.string(), currency_code: z.string() });
const Event = z.object({ id: z.string(), event_type: z.string(), resource: z.unknown() });
const RefundResource = z.object({
  links: z.array(z.object({ rel: z.string(), href: z.string() })),
  seller_payable_breakdown: z.object({ total_refunded_amount: PayPalMoney }),
});
const DisputeResource = z.object({
  dispute_id: z.string(),
  create_time: z.string().optional(),
  disputed_transactions: z.array(z.object({ seller_transaction_id: z.string().optional() })),
});

const invalidEvent = (detail: string) => new DomainError(400, 'invalid_event', detail);

async function captureRefunded(s: Services, resource: unknown): Promise<WebhookAnswer> {
  const refund = RefundResource.safeParse(resource);
  if (!refund.success) throw invalidEvent('PAYMENT.CAPTURE.REFUNDED without a refund resource.');
  // The refund links "up" to its capture: the payment's providerPaymentId.
  const up = refund.data.links.find((l) => l.rel === 'up')?.href ?? '';
  const captureId = /\/captures\/([^/?#]+)/.exec(up)?.[1];
  const payment = await findPayment(s, 'paypal', [captureId]);
  if (!payment) return ignored;
  const total = refund.data.seller_payable_breakdown.total_refunded_amount;
  if (total.currency_code.toUpperCase() !== payment.currency.toUpperCase())
    throw invalidEvent(`The refund is in ${total.currency_code}, the payment in ${payment.currency}.`);
  let amount: number;
  try {
    amount = fromDecimalString(total.value, payment.currency);
  } catch {
    throw invalidEvent(`"${total.value}" is not an amount of ${payment.currency}.`);
  }
  return providerRefunded(s, payment, amount);
}

async function disputeCreated(s: Services, resource: unknown): Promise<WebhookAnswer> {
  const dispute = DisputeResource.safeParse(resource);
  if (!dispute.success) throw invalidEvent('CUSTOMER.DISPUTE.CREATED without a dispute resource.');
  const payment = await findPayment(
    s,
    'paypal',
    dispute.data.disputed_transactions.map((t) => t.seller_transaction_id),
  );
  const at =
    dispute.data.create_time && !Number.isNaN(Date.parse(dispute.data.create_time)) ? new Date(dispute.data.create_time) : s.clock.now();
  return payment ? providerDispute(s, payment, 'paypal', dispute.data.dispute_id, at.toISOString()) : ignored;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

export async function paypalWebhookRoutes(app: FastifyZod, s: Services): Promise<void> {
  const { clientId, clientSecret, apiBase, webhookId } = s.config.paypal;
  // Verification asks PayPal, so it needs the API credentials as well as the webhook's id.
  const paypal = clientId && clientSecret && webhookId ? new PayPalProvider(clientId, clientSecret, apiBase, () => s.clock.now()) : null;
  await rawBodyScope(app, (scope) =>
    scope.post('/api/v1/providers/paypal/webhook', {
      // Each delivery costs a call to PayPal: an unauthenticated caller must not make many.
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
      schema: {
        tags: ['providers'],
        summary: 'PayPal events: PAYMENT.CAPTURE.REFUNDED and CUSTOMER.DISPUTE.CREATED, verified with PayPal for PAYPAL_WEBHOOK_ID',
        response: { 200: WebhookAnswer },
      },
      handler: async (req): Promise<WebhookAnswer> => {
        if (!paypal || !webhookId) throw new DomainError(404, 'not_found', 'PayPal events are not configured on this service.');
        const h = {
          authAlgo: header(req.headers, 'paypal-auth-algo'),
          certUrl: header(req.headers, 'paypal-cert-url'),
          transmissionId: header(req.headers, 'paypal-transmission-id'),
          transmissionSig: header(req.headers, 'paypal-transmission-sig'),
          transmissionTime: header(req.headers, 'paypal-transmission-time'),
        };
        if (Object.values(h).includes(null) || !Buffer.isBuffer(req.body))
          throw new DomainError(400, 'invalid_signature', 'The PAYPAL-* transmission headers or the body are missing.');
        const raw = req.body.toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          throw invalidEvent('The body is not JSON.');
        }
        const event = Event.safeParse(parsed);
        if (!event.success) throw invalidEvent('The body is not a PayPal event.');
        let genuine: boolean;
        try {
          genuine = await paypal.verifyWebhook(h as WebhookHeaders, raw, webhookId);
        } catch {
          // PayPal resends an event that was not acknowledged: better later than unverified.
          throw new DomainError(503, 'provider_unavailable', 'PayPal could not verify the event now; send it again later.');
        }
        if (!genuine) throw new DomainError(400, 'invalid_signature', 'PayPal did not confirm this event.');
        req.log.info({ paypalEvent: event.data.id, type: event.data.event_type }, 'paypal event');
        switch (event.data.event_type) {
          case 'PAYMENT.CAPTURE.REFUNDED':
            return captureRefunded(s, event.data.resource);
          case 'CUSTOMER.DISPUTE.CREATED':
            return disputeCreated(s, event.data.resource);
          default:
            return ignored;
        }
      },
    }),
  );
}
