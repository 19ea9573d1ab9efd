/**
 * Fake Stripe and PayPal servers on loopback (node:http), implementing only the
 * endpoints the Resolution Center calls, checking the request shapes the real
 * APIs require, and honouring idempotency keys the way the real ones do: a
 * repeat of a key that created a refund gets that same refund back.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromDecimalString } from '../../src/domain/money.js';

/** A scripted answer of this status closes the connection without answering: a network failure. */
export const DROP = 0;

interface Scripted {
  status: number;
  body: unknown;
}

export interface ProviderCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Stripe: the form fields; PayPal: the JSON body. */
  body: Record<string, unknown>;
  status: number;
}

export interface Refund {
  id: string;
  key: string;
  target: string;
  amount: number;
  currency: string;
}

async function listen(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse, bytes: Buffer) => void) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('error', () => undefined);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      handler(req, bytes.toString('utf8'), res, bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A multipart/form-data body as the receiving server reads it (undici's parser, as a real server's would be). */
async function formData(req: http.IncomingMessage, bytes: Buffer): Promise<FormData | null> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return null;
  try {
    return await new Response(bytes, { headers: { 'content-type': type } }).formData();
  } catch {
    return null;
  }
}

/** A dispute's evidence as a provider received it: the call, its key, what it carried. */
export interface EvidenceCall {
  disputeId: string;
  key: string;
  /** Stripe: the `evidence[…]` fields; PayPal: `notes`. */
  fields: Record<string, string>;
  submit: boolean;
  /** The uploaded file's bytes (Stripe: in `files`; PayPal: with the submission). */
  file?: { filename: string; type: string; bytes: Buffer };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Shared: scripted failures, held answers, idempotent refunds, the record of calls. */
class FakeBase {
  readonly calls: ProviderCall[] = [];
  readonly refunds: Refund[] = [];
  /** Request-shape violations: a test expects none. */
  readonly problems: string[] = [];
  protected script: Scripted[] = [];
  private holding: (() => void) | null = null;
  private readonly held: http.ServerResponse[] = [];

  /** The next refund calls answer these, in order, before refunds succeed again. */
  failNext(...answers: Scripted[]) {
    this.script.push(...answers);
  }

  /** The next refund is made but its answer is never sent: resolves once it is made. */
  holdNext(): Promise<void> {
    return new Promise((resolve) => (this.holding = resolve));
  }

  /** Drops the held connections (their caller is gone by then). */
  release() {
    for (const res of this.held.splice(0)) res.destroy();
  }

  reset() {
    this.script = [];
    this.calls.length = 0;
    this.problems.length = 0;
  }

  protected check(ok: boolean, problem: string) {
    if (!ok) this.problems.push(problem);
  }

  /** Answers a refund call: scripted failure, replay of the key's refund, or a new refund. */
  protected refund(
    res: http.ServerResponse,
    call: ProviderCall,
    key: string,
    want: Omit<Refund, 'id' | 'key'>,
    view: (r: Refund) => unknown,
    idempotencyError: () => Scripted,
  ) {
    this.calls.push(call);
    const scripted = this.script.shift();
    if (scripted?.status === DROP) {
      call.status = DROP;
      return res.socket?.destroy();
    }
    if (scripted) {
      call.status = scripted.status;
      return send(res, scripted.status, scripted.body);
    }
    const earlier = this.refunds.find((r) => r.key === key);
    if (earlier) {
      const same = earlier.target === want.target && earlier.amount === want.amount && earlier.currency === want.currency;
      const answer = same ? { status: 200, body: view(earlier) } : idempotencyError();
      call.status = answer.status;
      return send(res, answer.status, answer.body, same ? { 'idempotent-replayed': 'true' } : {});
    }
    const refund: Refund = { id: `re_fake_${this.refunds.length + 1}`, key, ...want };
    this.refunds.push(refund);
    if (this.holding) {
      const made = this.holding;
      this.holding = null;
      this.held.push(res);
      call.status = -1;
      made();
      return;
    }
    call.status = 200;
    send(res, 200, view(refund));
  }
}

export class FakeStripe extends FakeBase {
  override release() {
    super.release();
    for (const res of this.heldEvidence.splice(0)) res.destroy();
  }

  static readonly SECRET_KEY = 'sk_test_fake_resolution_center';
  url = '';
  private server: http.Server | null = null;

  static async start() {
    const fake = new FakeStripe();
    const { server, url } = await listen((req, raw, res, bytes) => void fake.handle(req, raw, res, bytes));
    fake.server = server;
    fake.url = url;
    return fake;
  }

  /** Files uploaded (`POST /v1/files`), once per idempotency key. */
  readonly files: { id: string; key: string; purpose: string; filename: string; type: string; bytes: Buffer }[] = [];
  /** Dispute updates (`POST /v1/disputes/{id}`) as first received per key; `evidenceCalls` counts every call. */
  readonly disputeUpdates: EvidenceCall[] = [];
  evidenceCalls = 0;
  /** The next evidence calls (files or disputes) answer these statuses before succeeding. */
  private evidenceScript: number[] = [];
  failEvidence(...statuses: number[]) {
    this.evidenceScript.push(...statuses);
  }

  override reset() {
    super.reset();
    this.files.length = 0;
    this.disputeUpdates.length = 0;
    this.evidenceScript = [];
  }

  private evidenceHold: (() => void) | null = null;
  private readonly heldEvidence: http.ServerResponse[] = [];
  /** The next dispute update is recorded but never answered: resolves once it arrived. */
  holdNextEvidence(): Promise<void> {
    return new Promise((resolve) => (this.evidenceHold = resolve));
  }

  private async evidence(req: http.IncomingMessage, raw: string, res: http.ServerResponse, bytes: Buffer) {
    this.evidenceCalls++;
    this.check(req.headers.authorization === `Bearer ${FakeStripe.SECRET_KEY}`, 'Stripe evidence: bearer secret key');
    const key = String(req.headers['idempotency-key'] ?? '');
    this.check(key.length > 0, 'Stripe evidence: Idempotency-Key');
    const scripted = this.evidenceScript.shift();
    if (scripted) return send(res, scripted, { error: { type: 'api_error', message: 'Scripted failure' } });
    if (req.url === '/v1/files') {
      const form = await formData(req, bytes);
      const file = form?.get('file');
      this.check(form?.get('purpose') === 'dispute_evidence', 'Stripe files: purpose=dispute_evidence');
      this.check(file instanceof Blob, 'Stripe files: a file part');
      if (!(file instanceof Blob)) return send(res, 400, { error: { type: 'invalid_request_error', message: 'file is required' } });
      const content = Buffer.from(await file.arrayBuffer());
      this.check(content.length <= 4_500_000, 'Stripe files: under 4.5 MB');
      const earlier = this.files.find((f) => f.key === key);
      const made = earlier ?? {
        id: `file_fake_${this.files.length + 1}`,
        key,
        purpose: form?.get('purpose') as string,
        filename: (file as File).name,
        type: file.type,
        bytes: content,
      };
      if (!earlier) this.files.push(made);
      return send(res, 200, { id: made.id, object: 'file', purpose: made.purpose, size: made.bytes.length, filename: made.filename });
    }
    const m = /^\/v1\/disputes\/([^/]+)$/.exec(req.url ?? '');
    this.check(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true, 'Stripe disputes: form-encoded body');
    const form = new URLSearchParams(raw);
    const fields: Record<string, string> = {};
    let total = 0;
    for (const [name, value] of form) {
      const f = /^evidence\[([a-z_]+)\]$/.exec(name);
      if (!f?.[1]) continue;
      fields[f[1]] = value;
      if (!value.startsWith('file_')) total += value.length;
      this.check(value.length <= 20_000, `Stripe disputes: evidence[${f[1]}] within 20,000 characters`);
    }
    this.check(total <= 150_000, 'Stripe disputes: evidence within 150,000 characters');
    this.check(['true', 'false'].includes(form.get('submit') ?? ''), 'Stripe disputes: submit');
    if (!this.disputeUpdates.some((u) => u.key === key))
      this.disputeUpdates.push({ disputeId: m?.[1] ?? '', key, fields, submit: form.get('submit') === 'true' });
    if (this.evidenceHold) {
      const arrived = this.evidenceHold;
      this.evidenceHold = null;
      this.heldEvidence.push(res);
      return arrived();
    }
    send(res, 200, { id: m?.[1], object: 'dispute', status: 'needs_response', evidence: fields });
  }

  private async handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse, bytes: Buffer) {
    if (req.method === 'POST' && (req.url === '/v1/files' || /^\/v1\/disputes\/[^/]+$/.test(req.url ?? '')))
      return this.evidence(req, raw, res, bytes);
    if (req.method !== 'POST' || req.url !== '/v1/refunds')
      return send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.url})` } });
    const form = Object.fromEntries(new URLSearchParams(raw));
    const call: ProviderCall = { path: req.url, headers: req.headers, body: form, status: 0 };
    this.check(req.headers.authorization === `Bearer ${FakeStripe.SECRET_KEY}`, 'Stripe: bearer secret key');
    this.check(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true, 'Stripe: form-encoded body');
    const key = req.headers['idempotency-key'];
    this.check(typeof key === 'string' && key.length > 0, 'Stripe: Idempotency-Key');
    const target = form.payment_intent ?? form.charge;
    const amount = Number(form.amount);
    this.check((form.payment_intent === undefined) !== (form.charge === undefined), 'Stripe: exactly one of payment_intent, charge');
    this.check(Number.isSafeInteger(amount) && amount > 0 && String(amount) === form.amount, 'Stripe: integer amount');
    if (this.problems.length) {
      this.calls.push({ ...call, status: 400 });
      return send(res, 400, { error: { type: 'invalid_request_error', message: this.problems.join('; ') } });
    }
    this.refund(
      res,
      call,
      String(key),
      { target: target ?? '', amount, currency: 'usd' },
      (r) => ({
        id: r.id,
        object: 'refund',
        amount: r.amount,
        currency: r.currency,
        status: 'succeeded',
        payment_intent: r.target.startsWith('pi_') ? r.target : null,
        charge: r.target.startsWith('ch_') ? r.target : `ch_for_${r.target}`,
      }),
      () => ({
        status: 400,
        body: {
          error: {
            type: 'idempotency_error',
            message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          },
        },
      }),
    );
  }

  close() {
    this.release();
    return new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export class FakePayPal extends FakeBase {
  static readonly CLIENT_ID = 'paypal-client-id';
  static readonly CLIENT_SECRET = 'paypal-client-secret';
  url = '';
  tokenCalls = 0;
  /** Seconds a token lives, as PayPal's `expires_in`. */
  expiresIn = 32_400;
  private readonly tokens = new Set<string>();
  private server: http.Server | null = null;

  static async start() {
    const fake = new FakePayPal();
    const { server, url } = await listen((req, raw, res, bytes) => void fake.handle(req, raw, res, bytes));
    fake.server = server;
    fake.url = url;
    return fake;
  }

  /** The webhook id the fake's verify endpoint knows. */
  static readonly WEBHOOK_ID = 'WH-FAKE-0001';
  verifyCalls = 0;

  /**
   * The PAYPAL-* headers of a delivery of `event`, as PayPal would send them. The fake
   * "signs" with an HMAC over what PayPal's signature covers (id, time, webhook id, body).
   */
  static sign(event: unknown, over: { transmissionTime?: string; webhookId?: string } = {}): Record<string, string> {
    const id = crypto.randomUUID();
    const time = over.transmissionTime ?? new Date().toISOString();
    return {
      'paypal-auth-algo': 'SHA256withRSA',
      'paypal-cert-url': 'https://api.paypal.com/v1/notifications/certs/CERT-fake',
      'paypal-transmission-id': id,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': FakePayPal.signature(id, time, over.webhookId ?? FakePayPal.WEBHOOK_ID, JSON.stringify(event)),
    };
  }

  private static signature(id: string, time: string, webhookId: string, body: string) {
    return crypto.createHmac('sha256', 'fake-paypal-cert').update(`${id}|${time}|${webhookId}|${body}`).digest('base64');
  }

  private verify(req: http.IncomingMessage, raw: string, res: http.ServerResponse) {
    this.verifyCalls++;
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.tokens.has(bearer)) return send(res, 401, { error: 'invalid_token' });
    const body = JSON.parse(raw) as Record<string, unknown>;
    const fields = ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id'];
    for (const f of fields) this.check(typeof body[f] === 'string', `PayPal verify: ${f}`);
    this.check(typeof body.webhook_event === 'object' && body.webhook_event !== null, 'PayPal verify: webhook_event');
    const expected = FakePayPal.signature(
      String(body.transmission_id),
      String(body.transmission_time),
      String(body.webhook_id),
      JSON.stringify(body.webhook_event),
    );
    const ok = body.webhook_id === FakePayPal.WEBHOOK_ID && body.transmission_sig === expected;
    send(res, 200, { verification_status: ok ? 'SUCCESS' : 'FAILURE' });
  }

  /** Every issued token stops working, as after a revocation. */
  revokeTokens() {
    this.tokens.clear();
  }

  /** Evidence provided (`provide-evidence`), as first received per PayPal-Request-Id; `evidenceCalls` counts every call. */
  readonly evidence: EvidenceCall[] = [];
  evidenceCalls = 0;

  override reset() {
    super.reset();
    this.evidence.length = 0;
  }

  private async provideEvidence(req: http.IncomingMessage, res: http.ServerResponse, bytes: Buffer, disputeId: string) {
    this.evidenceCalls++;
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.tokens.has(bearer)) return send(res, 401, { error: 'invalid_token' });
    const key = String(req.headers['paypal-request-id'] ?? '');
    this.check(key.length > 0, 'PayPal evidence: PayPal-Request-Id');
    const form = await formData(req, bytes);
    this.check(form !== null, 'PayPal evidence: multipart/form-data');
    let input: { evidences?: { evidence_type?: string; notes?: string }[] } = {};
    try {
      const part = form?.get('input');
      input = JSON.parse(part instanceof Blob ? await part.text() : String(part)) as typeof input;
    } catch {
      this.problems.push('PayPal evidence: an input JSON part');
    }
    const file = form?.get('file1');
    this.check(file instanceof Blob, 'PayPal evidence: a file part');
    const type = file instanceof Blob ? file.type : '';
    this.check(['image/jpeg', 'image/gif', 'image/png', 'application/pdf'].includes(type), 'PayPal evidence: jpg, gif, png or pdf');
    const content = file instanceof Blob ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
    this.check(content.length < 10 * 1024 * 1024, 'PayPal evidence: a file under 10 MB');
    const first = input.evidences?.[0];
    this.check(typeof first?.evidence_type === 'string', 'PayPal evidence: evidence_type');
    if (!this.evidence.some((e) => e.key === key))
      this.evidence.push({
        disputeId,
        key,
        fields: { evidence_type: first?.evidence_type ?? '', notes: first?.notes ?? '' },
        submit: true,
        file: { filename: file instanceof File ? file.name : '', type, bytes: content },
      });
    send(res, 200, { links: [{ href: `${this.url}/v1/customer/disputes/${disputeId}`, rel: 'self', method: 'GET' }] });
  }

  private async handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse, bytes: Buffer) {
    const evidence = /^\/v1\/customer\/disputes\/([^/]+)\/provide-evidence$/.exec(req.url ?? '');
    if (req.method === 'POST' && evidence) return this.provideEvidence(req, res, bytes, decodeURIComponent(evidence[1] ?? ''));
    if (req.method === 'POST' && req.url === '/v1/oauth2/token') {
      this.tokenCalls++;
      const basic = Buffer.from(`${FakePayPal.CLIENT_ID}:${FakePayPal.CLIENT_SECRET}`).toString('base64');
      this.check(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true, 'PayPal token: form body');
      if (req.headers.authorization !== `Basic ${basic}` || raw !== 'grant_type=client_credentials')
        return send(res, 401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
      const token = `A21AA_fake_${this.tokenCalls}`;
      this.tokens.add(token);
      return send(res, 200, {
        scope: 'https://uri.paypal.com/services/payments/refund',
        access_token: token,
        token_type: 'Bearer',
        expires_in: this.expiresIn,
      });
    }
    if (req.method === 'POST' && req.url === '/v1/notifications/verify-webhook-signature') return this.verify(req, raw, res);
    const m = /^\/v2\/payments\/captures\/([^/]+)\/refund$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m)
      return send(res, 404, { name: 'RESOURCE_NOT_FOUND', message: 'The specified resource does not exist.' });
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.tokens.has(bearer))
      return send(res, 401, { error: 'invalid_token', error_description: 'Token signature verification failed' });
    let body: { amount?: { value?: unknown; currency_code?: unknown } } = {};
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      this.problems.push('PayPal: JSON body');
    }
    const call: ProviderCall = { path: req.url ?? '', headers: req.headers, body: body, status: 0 };
    this.check(req.headers['content-type']?.startsWith('application/json') === true, 'PayPal: JSON content type');
    const requestId = req.headers['paypal-request-id'];
    this.check(typeof requestId === 'string' && requestId.length > 0, 'PayPal: PayPal-Request-Id');
    const currency = typeof body.amount?.currency_code === 'string' ? body.amount.currency_code : '';
    let amount = 0;
    try {
      amount = fromDecimalString(String(body.amount?.value), currency);
    } catch {
      this.problems.push(`PayPal: amount.value "${String(body.amount?.value)}" is not a ${currency} amount`);
    }
    if (this.problems.length) {
      this.calls.push({ ...call, status: 400 });
      return send(res, 400, { name: 'INVALID_REQUEST', message: this.problems.join('; ') });
    }
    this.refund(
      res,
      call,
      String(requestId),
      { target: decodeURIComponent(m[1] ?? ''), amount, currency },
      (r) => ({ id: r.id, status: 'COMPLETED', amount: body.amount }),
      () => ({ status: 422, body: { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'DUPLICATE_REQUEST_ID' }] } }),
    );
  }

  close() {
    this.release();
    return new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
