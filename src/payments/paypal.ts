/**
 * Refunds through PayPal's REST API over fetch (SPEC §10): an OAuth2 token from
 * client credentials, cached until shortly before it expires, then
 * `POST /v2/payments/captures/{id}/refund` with a decimal amount and the
 * remedy's key as `PayPal-Request-Id`, so a retry returns the first refund.
 * Chargeback responses (SPEC §13): PayPal has no staging, so the response is kept
 * here until the merchant sends it, then goes as one multipart
 * `POST /v1/customer/disputes/{id}/provide-evidence` (an `input` JSON part and the case file).
 */
import { toDecimalString } from '../domain/money.js';
import { PermanentError } from '../outbox/outbox.js';
import { type EvidencePackage, PROVIDER_TIMEOUT_MS, type PaymentProvider, type RefundRequest, isRetryableStatus } from './provider.js';

/** A token is renewed this long before PayPal says it expires, so no call carries one that lapses in flight. */
const TOKEN_MARGIN_MS = 60_000;

interface PayPalError {
  name?: string;
  message?: string;
  error?: string;
  error_description?: string;
  details?: { issue?: string; description?: string }[];
}

/** The PAYPAL-* headers of a webhook delivery. */
export interface WebhookHeaders {
  authAlgo: string;
  certUrl: string;
  transmissionId: string;
  transmissionSig: string;
  transmissionTime: string;
}

function describe(body: PayPalError): string {
  const issue = body.details?.[0];
  return [body.name ?? body.error, issue?.issue, issue?.description ?? body.message ?? body.error_description].filter(Boolean).join(': ');
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? (JSON.parse(text) as unknown) : {};
  } catch {
    return { message: text.slice(0, 200) };
  }
}

export class PayPalProvider implements PaymentProvider {
  readonly name = 'paypal';
  readonly simulated = false;
  private token: { value: string; expiresAt: number } | null = null;
  private fetching: Promise<{ value: string; expiresAt: number }> | null = null;
  private readonly base: string;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    apiBase: string,
    /** The service's clock, for the token's expiry. */
    private readonly now: () => Date,
  ) {
    this.base = apiBase.replace(/\/$/, '');
  }

  private async post(path: string, init: { headers: Record<string, string>; body: string | FormData }) {
    try {
      return await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch (err) {
      // A network failure or a timeout: transient, the outbox retries with the same request id.
      throw new Error(`PayPal unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async fetchToken(): Promise<{ value: string; expiresAt: number }> {
    const basic = Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64');
    const res = await this.post('/v1/oauth2/token', {
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
    });
    const body = (await readJson(res)) as PayPalError & { access_token?: string; expires_in?: number };
    if (!res.ok || !body.access_token) {
      const why = `PayPal token request failed (${res.status}): ${describe(body)}`;
      throw isRetryableStatus(res.status) || res.ok ? new Error(why) : new PermanentError(why);
    }
    return { value: body.access_token, expiresAt: this.now().getTime() + (body.expires_in ?? 0) * 1000 - TOKEN_MARGIN_MS };
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now().getTime()) return this.token.value;
    // One token request at a time: concurrent refunds wait for the same one.
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = null));
    this.token = await this.fetching;
    return this.token.value;
  }

  /**
   * Asks PayPal whether a webhook delivery is genuine (`POST /v1/notifications/verify-webhook-signature`).
   * The event goes back byte for byte as received: re-serialised JSON may not verify.
   */
  async verifyWebhook(headers: WebhookHeaders, rawEvent: string, webhookId: string): Promise<boolean> {
    const token = await this.accessToken();
    const fields = JSON.stringify({
      auth_algo: headers.authAlgo,
      cert_url: headers.certUrl,
      transmission_id: headers.transmissionId,
      transmission_sig: headers.transmissionSig,
      transmission_time: headers.transmissionTime,
      webhook_id: webhookId,
    });
    const res = await this.post('/v1/notifications/verify-webhook-signature', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: `${fields.slice(0, -1)},"webhook_event":${rawEvent}}`,
    });
    const body = (await readJson(res)) as PayPalError & { verification_status?: string };
    if (res.status === 401) this.token = null;
    if (isRetryableStatus(res.status) || res.status === 401) throw new Error(`PayPal could not verify the event (${res.status})`);
    return res.ok && body.verification_status === 'SUCCESS';
  }

  async refund(req: RefundRequest): Promise<{ refundId: string }> {
    const token = await this.accessToken();
    const res = await this.post(`/v2/payments/captures/${encodeURIComponent(req.providerPaymentId)}/refund`, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'paypal-request-id': req.idempotencyKey,
      },
      body: JSON.stringify({ amount: { value: toDecimalString(req.amount, req.currency), currency_code: req.currency.toUpperCase() } }),
    });
    const body = (await readJson(res)) as PayPalError & { id?: string; status?: string };
    if (res.status === 401) {
      // The token was revoked or expired early: drop it; the retry fetches a new one.
      this.token = null;
      throw new Error(`PayPal refused the access token (401): ${describe(body)}`);
    }
    if (!res.ok) {
      const why = `PayPal ${isRetryableStatus(res.status) ? 'unavailable' : 'refused the refund'} (${res.status}): ${describe(body)}`;
      throw isRetryableStatus(res.status) ? new Error(why) : new PermanentError(why);
    }
    if (!body.id) throw new Error(`PayPal answered ${res.status} without a refund id`);
    if (body.status === 'CANCELLED' || body.status === 'FAILED')
      throw new PermanentError(`PayPal refund ${body.id} ${body.status.toLowerCase()}.`);
    return { refundId: body.id };
  }

  stageEvidence(pkg: EvidencePackage): Promise<{ fields: Record<string, string> }> {
    return Promise.resolve({ fields: { ...pkg.texts, customer_communication: pkg.file.filename } });
  }

  async submitEvidence(pkg: EvidencePackage, fields: Record<string, string>, idempotencyKey: string): Promise<void> {
    const token = await this.accessToken();
    const notes = Object.entries(fields)
      .filter(([name]) => name !== 'customer_communication')
      .map(([name, text]) => `${name.replace(/_/g, ' ')}:\n${text}`)
      .join('\n\n');
    const form = new FormData();
    // Digital goods have no tracking number: the case file and the notes are the proof.
    form.append(
      'input',
      new Blob([JSON.stringify({ evidences: [{ evidence_type: 'OTHER', notes: notes.slice(0, 2000) }] })], { type: 'application/json' }),
    );
    form.append('file1', new Blob([new Uint8Array(pkg.file.bytes)], { type: pkg.file.contentType }), pkg.file.filename);
    const res = await this.post(`/v1/customer/disputes/${encodeURIComponent(pkg.disputeId)}/provide-evidence`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'paypal-request-id': idempotencyKey },
      body: form,
    });
    if (res.status === 401) {
      this.token = null;
      throw new Error('PayPal refused the access token (401)');
    }
    if (!res.ok) {
      const body = (await readJson(res)) as PayPalError;
      const why = `PayPal ${isRetryableStatus(res.status) ? 'unavailable' : 'refused the evidence'} (${res.status}): ${describe(body)}`;
      throw isRetryableStatus(res.status) ? new Error(why) : new PermanentError(why);
    }
  }
}
