/**
 * PayPal's events (`POST /api/v1/providers/paypal/webhook`): each delivery is
 * verified by PayPal itself (verify-webhook-signature, with PAYPAL_WEBHOOK_ID),
 * then mapped like Stripe's: `PAYMENT.CAPTURE.REFUNDED` is a refund made outside
 * the Resolution Center; `CUSTOMER.DISPUTE.CREATED|UPDATED|RESOLVED` a bank dispute,
 * mapped by its `dispute_life_cycle_stage`, status and outcome (SPEC §12).
 */
import { z } from 'zod';
import type { Services } from '../services.js';
import { paypalDisputeMapping } from '../domain/dispute.js';
import { DomainError } from '../domain/errors.js';
import { fromDecimalString } from '../domain/money.js';
import type { FastifyZod } from '../http/kit.js';
import { PayPalProvider, type WebhookHeaders } from './paypal.js';
import { WebhookAnswer, findPayment, ignored, providerDispute, providerRefunded, rawBodyScope } from './provider-events.js';

const PayPalMoney = z.object({ value: z.string(), currency_code: z.string() });
const Event = z.object({ id: z.string(), event_type: z.string(), resource: z.unknown() });
const RefundResource = z.object({
  links: z.array(z.object({ rel: z.string(), href: z.string() })),
  seller_payable_breakdown: z.object({ total_refunded_amount: PayPalMoney }),
});
/** PayPal's dispute resource, the fields used here. */
const DisputeResource = z.object({
  dispute_id: z.string(),
  create_time: z.string().optional(),
  update_time: z.string().optional(),
  disputed_transactions: z.array(z.object({ seller_transaction_id: z.string().optional() })),
  dispute_life_cycle_stage: z.string(),
  status: z.string().optional(),
  reason: z.string().optional(),
  dispute_amount: PayPalMoney.optional(),
  dispute_outcome: z.object({ outcome_code: z.string() }).optional(),
  seller_response_due_date: z.string().optional(),
});

const invalidEvent = (detail: string) => new DomainError('invalid_event', detail);

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

const timeOf = (t: string | undefined) => (t && !Number.isNaN(Date.parse(t)) ? new Date(t).toISOString() : null);

/** `CUSTOMER.DISPUTE.*`, ordered by the dispute's `update_time` (else `create_time`): an older one never rolls back. */
async function disputeEvent(s: Services, type: string, resource: unknown): Promise<WebhookAnswer> {
  const parsed = DisputeResource.safeParse(resource);
  if (!parsed.success) throw invalidEvent(`${type} without a dispute resource.`);
  const d = parsed.data;
  const outcome = d.dispute_outcome?.outcome_code;
  const mapped = paypalDisputeMapping(d.dispute_life_cycle_stage, type === 'CUSTOMER.DISPUTE.RESOLVED' ? 'RESOLVED' : d.status, outcome);
  if (!mapped) throw invalidEvent(`A dispute_life_cycle_stage "${d.dispute_life_cycle_stage}" is not one PayPal documents.`);
  const payment = await findPayment(
    s,
    'paypal',
    d.disputed_transactions.map((t) => t.seller_transaction_id),
  );
  if (!payment) return ignored;
  let amount: number | undefined;
  if (d.dispute_amount) {
    if (d.dispute_amount.currency_code.toUpperCase() !== payment.currency.toUpperCase())
      throw invalidEvent(`The dispute is in ${d.dispute_amount.currency_code}, the payment in ${payment.currency}.`);
    try {
      amount = fromDecimalString(d.dispute_amount.value, payment.currency);
    } catch {
      throw invalidEvent(`"${d.dispute_amount.value}" is not an amount of ${payment.currency}.`);
    }
  }
  return providerDispute(s, payment, 'paypal', d.dispute_id, {
    ...mapped,
    reportedAt: timeOf(d.update_time) ?? timeOf(d.create_time) ?? s.clock.now().toISOString(),
    ...(amount !== undefined ? { amount } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.seller_response_due_date !== undefined ? { respondBy: timeOf(d.seller_response_due_date) } : {}),
  });
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
        summary:
          'PayPal events: PAYMENT.CAPTURE.REFUNDED and CUSTOMER.DISPUTE.CREATED|UPDATED|RESOLVED, verified with PayPal for PAYPAL_WEBHOOK_ID',
        response: { 200: WebhookAnswer },
      },
      handler: async (req): Promise<WebhookAnswer> => {
        if (!paypal || !webhookId) throw new DomainError('not_found', 'PayPal events are not configured on this service.');
        const h = {
          authAlgo: header(req.headers, 'paypal-auth-algo'),
          certUrl: header(req.headers, 'paypal-cert-url'),
          transmissionId: header(req.headers, 'paypal-transmission-id'),
          transmissionSig: header(req.headers, 'paypal-transmission-sig'),
          transmissionTime: header(req.headers, 'paypal-transmission-time'),
        };
        if (Object.values(h).includes(null) || !Buffer.isBuffer(req.body))
          throw new DomainError('invalid_signature', 'The PAYPAL-* transmission headers or the body are missing.');
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
          throw new DomainError('provider_unavailable', 'PayPal could not verify the event now; send it again later.');
        }
        if (!genuine) throw new DomainError('invalid_signature', 'PayPal did not confirm this event.');
        req.log.info({ paypalEvent: event.data.id, type: event.data.event_type }, 'paypal event');
        switch (event.data.event_type) {
          case 'PAYMENT.CAPTURE.REFUNDED':
            return captureRefunded(s, event.data.resource);
          case 'CUSTOMER.DISPUTE.CREATED':
          case 'CUSTOMER.DISPUTE.UPDATED':
          case 'CUSTOMER.DISPUTE.RESOLVED':
            return disputeEvent(s, event.data.event_type, event.data.resource);
          default:
            return ignored;
        }
      },
    }),
  );
}
