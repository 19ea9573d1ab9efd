/**
 * Refunds through Stripe's official SDK (SPEC §10): `POST /v1/refunds` with
 * `payment_intent` (pi_…) or `charge` (ch_…), `amount` in minor units and the
 * remedy's `Idempotency-Key`, so a retry returns the first refund.
 */
import Stripe from 'stripe';
import { PermanentError } from '../outbox/outbox.js';
import { PROVIDER_TIMEOUT_MS, type PaymentProvider, type RefundRequest, isRetryableStatus } from './provider.js';

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly simulated = false;
  private readonly stripe: Stripe;

  constructor(secretKey: string, apiBase: string) {
    const base = new URL(apiBase);
    const protocol = base.protocol === 'http:' ? 'http' : 'https';
    this.stripe = new Stripe(secretKey, {
      host: base.hostname,
      port: base.port || (protocol === 'http' ? 80 : 443),
      protocol,
      // The outbox owns retries (with backoff and the same key); the SDK must not add its own.
      maxNetworkRetries: 0,
      timeout: PROVIDER_TIMEOUT_MS,
      telemetry: false,
    });
  }

  async refund(req: RefundRequest): Promise<{ refundId: string }> {
    const id = req.providerPaymentId;
    const target = id.startsWith('ch_') ? { charge: id } : id.startsWith('pi_') ? { payment_intent: id } : null;
    if (!target) throw new PermanentError(`Stripe cannot refund "${id}": expected a payment intent (pi_…) or a charge (ch_…).`);
    try {
      const refund = await this.stripe.refunds.create({ ...target, amount: req.amount }, { idempotencyKey: req.idempotencyKey });
      if (refund.status === 'failed' || refund.status === 'canceled')
        throw new PermanentError(
          `Stripe refund ${refund.id} ${refund.status}${refund.failure_reason ? `: ${refund.failure_reason}` : ''}.`,
        );
      return { refundId: refund.id };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeError) {
        const status = err.statusCode;
        // No status: the connection failed or timed out; the key makes the retry safe.
        if (status === undefined || isRetryableStatus(status))
          throw new Error(`Stripe unavailable (${status ?? err.type}): ${err.message}`);
        throw new PermanentError(`Stripe refused the refund (${status}${err.code ? ` ${err.code}` : ''}): ${err.message}`);
      }
      throw err;
    }
  }
}
