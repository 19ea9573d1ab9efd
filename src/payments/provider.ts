/** Payment providers behind one interface (SPEC §5). Money is minor units plus currency. */
import { sha256 } from '../ids.js';

export interface RefundRequest {
  providerPaymentId: string;
  amount: number;
  currency: string;
  /** Identical on every retry of one remedy: the provider pays once. */
  idempotencyKey: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** True when no money moves (no credentials): the timeline says so. */
  readonly simulated: boolean;
  /** Resolves with the provider's refund id; throws PermanentError for a refusal, anything else to retry. */
  refund(req: RefundRequest): Promise<{ refundId: string }>;
}

/** Well under the outbox lease (60 s), so a slow call is abandoned before another worker may claim the row. */
export const PROVIDER_TIMEOUT_MS = 20_000;

/**
 * HTTP statuses that mean "not now" rather than "no": 5xx, 408, 429, and 409,
 * which Stripe answers while a request with the same idempotency key is still
 * in flight. Every other 4xx is a permanent refusal.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 429;
}

/** Records the refund locally: the demo and the tests run without provider credentials. */
export class SimulatedProvider implements PaymentProvider {
  readonly simulated = true;
  constructor(readonly name: string) {}

  refund(req: RefundRequest): Promise<{ refundId: string }> {
    // Derived from the key, as a real provider's idempotency would give the same refund back.
    return Promise.resolve({ refundId: `sim_re_${sha256(req.idempotencyKey).slice(0, 24)}` });
  }
}

export type Providers = Record<string, PaymentProvider>;
