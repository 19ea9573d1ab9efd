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
