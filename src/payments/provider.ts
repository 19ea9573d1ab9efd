/** Payment providers behind one interface (SPEC §5). Money is minor units plus currency. */
import { sha256 } from '../ids.js';

export interface RefundRequest {
  providerPaymentId: string;
  amount: number;
  currency: string;
  /** Identical on every retry of one remedy: the provider pays once. */
  idempotencyKey: string;
}

/** A chargeback response (SPEC §13): the case file and the texts, for one provider dispute. */
export interface EvidencePackage {
  /** The provider's own dispute id (`dp_…`, `PP-D-…`). */
  disputeId: string;
  file: { filename: string; contentType: 'application/pdf'; bytes: Buffer };
  /** Evidence fields by the provider's names (Stripe's `evidence[…]`), texts only. */
  texts: Record<string, string>;
}

export interface PaymentProvider {
  readonly name: string;
  /** True when no money moves (no credentials): the timeline says so. */
  readonly simulated: boolean;
  /** Resolves with the provider's refund id; throws PermanentError for a refusal, anything else to retry. */
  refund(req: RefundRequest): Promise<{ refundId: string }>;
  /**
   * Stages a chargeback response without sending it to the bank; resolves with every field as
   * staged (the file as the provider's file id, or as a note where the provider takes it on submission).
   */
  stageEvidence?(pkg: EvidencePackage, idempotencyKey: string): Promise<{ fields: Record<string, string> }>;
  /** Sends the response to the bank: `fields` are the staged fields, with the merchant's edits. */
  submitEvidence?(pkg: EvidencePackage, fields: Record<string, string>, idempotencyKey: string): Promise<void>;
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

  stageEvidence(pkg: EvidencePackage, idempotencyKey: string): Promise<{ fields: Record<string, string> }> {
    const file = `sim_file_${sha256(idempotencyKey).slice(0, 24)}`;
    return Promise.resolve({ fields: { ...pkg.texts, customer_communication: file } });
  }

  submitEvidence(): Promise<void> {
    return Promise.resolve();
  }
}

export type Providers = Record<string, PaymentProvider>;
