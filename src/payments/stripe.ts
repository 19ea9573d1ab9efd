/**
 * Refunds through Stripe's official SDK (SPEC §10): `POST /v1/refunds` with
 * `payment_intent` (pi_…) or `charge` (ch_…), `amount` in minor units and the
 * remedy's `Idempotency-Key`, so a retry returns the first refund. Chargeback
 * responses (SPEC §13): the case file to `POST {files base}/v1/files`
 * (`purpose=dispute_evidence`), then `POST /v1/disputes/{id}` with the evidence,
 * `submit=false` to stage it and `submit=true` once the merchant sends it.
 */
import Stripe from 'stripe';
import { PermanentError } from '../outbox/outbox.js';
import { type EvidencePackage, PROVIDER_TIMEOUT_MS, type PaymentProvider, type RefundRequest, isRetryableStatus } from './provider.js';

/** A Stripe SDK failure as the outbox reads it: retry what may pass, give up on a refusal. */
function failure(err: unknown, what: string): Error {
  if (!(err instanceof Stripe.errors.StripeError)) return err instanceof Error ? err : new Error(String(err));
  const status = err.statusCode;
  // No status: the connection failed or timed out; the key makes the retry safe.
  if (status === undefined || isRetryableStatus(status)) return new Error(`Stripe unavailable (${status ?? err.type}): ${err.message}`);
  return new PermanentError(`Stripe refused ${what} (${status}${err.code ? ` ${err.code}` : ''}): ${err.message}`);
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly simulated = false;
  private readonly stripe: Stripe;

  constructor(
    private readonly secretKey: string,
    apiBase: string,
    private readonly filesBase: string,
  ) {
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
      // The SDK returns any body it cannot read as an error as the object itself (a bare 503 from a proxy, say):
      // without a refund id nothing is known to have been refunded, so it is retried with the same key.
      if (typeof refund.id !== 'string' || !refund.id)
        throw new Error(`Stripe answered ${refund.lastResponse?.statusCode ?? 'without a status'} without a refund id`);
      if (refund.status === 'failed' || refund.status === 'canceled')
        throw new PermanentError(
          `Stripe refund ${refund.id} ${refund.status}${refund.failure_reason ? `: ${refund.failure_reason}` : ''}.`,
        );
      return { refundId: refund.id };
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      throw failure(err, 'the refund');
    }
  }

  /** The SDK has no way to point its file uploads elsewhere, so this one call is plain multipart over fetch. */
  private async uploadFile(file: EvidencePackage['file'], idempotencyKey: string): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'dispute_evidence');
    form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.contentType }), file.filename);
    let res: Response;
    try {
      res = await fetch(`${this.filesBase.replace(/\/$/, '')}/v1/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.secretKey}`, 'idempotency-key': idempotencyKey },
        body: form,
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`Stripe files unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const body = (await res.json().catch(() => ({}))) as { id?: string; error?: { message?: string } };
    if (!res.ok) {
      const why = `Stripe ${isRetryableStatus(res.status) ? 'files unavailable' : 'refused the file'} (${res.status}): ${body.error?.message ?? ''}`;
      throw isRetryableStatus(res.status) ? new Error(why) : new PermanentError(why);
    }
    if (!body.id) throw new Error(`Stripe answered ${res.status} without a file id`);
    return body.id;
  }

  private async updateDispute(disputeId: string, fields: Record<string, string>, submit: boolean, idempotencyKey: string) {
    try {
      await this.stripe.disputes.update(disputeId, { evidence: fields, submit }, { idempotencyKey });
    } catch (err) {
      throw failure(err, submit ? 'the evidence' : 'the staged evidence');
    }
  }

  async stageEvidence(pkg: EvidencePackage, idempotencyKey: string): Promise<{ fields: Record<string, string> }> {
    const file = await this.uploadFile(pkg.file, `${idempotencyKey}-file`);
    const fields = { ...pkg.texts, customer_communication: file };
    await this.updateDispute(pkg.disputeId, fields, false, idempotencyKey);
    return { fields };
  }

  async submitEvidence(pkg: EvidencePackage, fields: Record<string, string>, idempotencyKey: string): Promise<void> {
    await this.updateDispute(pkg.disputeId, fields, true, idempotencyKey);
  }
}
