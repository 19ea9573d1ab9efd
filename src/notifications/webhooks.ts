/**
 * Webhooks (SPEC §8): the platform registers endpoints; each change of a case
 * becomes one event (`case.created`, `case.decided`, `case.closed` or
 * `case.updated`) POSTed to every endpoint subscribed to it, signed, retried
 * with backoff, each attempt written to the endpoint's delivery log.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CaseChange } from '../cases/service.js';
import type { Clock } from '../clock.js';
import { isOpen } from '../domain/model.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { type OutboxHandler, PermanentError } from '../outbox/outbox.js';
import type { WebhookPayload } from './listener.js';
import { pageById } from './pages.js';
import { postWebhook } from './webhook-url.js';

/** `dispute.*`: what a bank, network or provider says about a payment (SPEC §12), with the case id if any. */
export const WEBHOOK_EVENTS = [
  'case.created',
  'case.updated',
  'case.decided',
  'case.closed',
  'dispute.created',
  'dispute.updated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** One event per change, the most specific that applies; a change with only internal notes is none. */
export function webhookEventOf(change: CaseChange): WebhookEventType | null {
  const types = new Set(change.events.filter((e) => e.visibility === 'public').map((e) => e.type));
  if (types.size === 0) return null;
  if (types.has('created')) return 'case.created';
  if (types.has('decided')) return 'case.decided';
  if (change.before && isOpen(change.before.status) && !isOpen(change.after.status)) return 'case.closed';
  return 'case.updated';
}

/** `RC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. */
export function signature(secret: string, t: number, body: string): string {
  const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

export interface EndpointInput {
  url: string;
  secret: string;
  events: WebhookEventType[];
  enabled?: boolean | undefined;
}

export function endpointView(e: { id: string; url: string; events: string; enabled: number; created_at: string; updated_at: string }) {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events) as WebhookEventType[],
    enabled: e.enabled === 1,
    createdAt: e.created_at,
    updatedAt: e.updated_at,
  };
}

export class WebhookEndpoints {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  async put(id: string, input: EndpointInput) {
    const now = this.clock.now().toISOString();
    const values = {
      url: input.url,
      secret: input.secret,
      events: JSON.stringify([...new Set(input.events)]),
      enabled: input.enabled === false ? 0 : 1,
      updated_at: now,
    };
    const existed = await this.db.selectFrom('webhook_endpoints').select('id').where('id', '=', id).executeTakeFirst();
    await this.db
      .insertInto('webhook_endpoints')
      .values({ id, ...values, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { ...endpointView(row), created: !existed };
  }

  /** The endpoint's delivery log, newest attempt first. */
  async deliveries(id: string, limit: number, cursor: string | undefined) {
    const endpoint = await this.db.selectFrom('webhook_endpoints').select('id').where('id', '=', id).executeTakeFirst();
    if (!endpoint) throw notFound('webhook endpoint');
    return pageById(
      limit,
      cursor,
      (below, take) => {
        let q = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', id);
        if (below !== null) q = q.where('id', '<', below);
        return q.orderBy('id', 'desc').limit(take).execute();
      },
      (d) => ({
        id: String(d.id),
        eventId: d.event_id,
        eventType: d.event_type as WebhookEventType,
        caseId: d.case_id,
        attempt: d.attempt,
        statusCode: d.status_code,
        error: d.error,
        durationMs: d.duration_ms,
        createdAt: d.created_at,
      }),
    );
  }
}

/** 408 and 429 say "later", like 5xx; any other answer that is not 2xx will not change by retrying. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * What the delivery log says about a failure: generic words, never the remote's answer or
 * the network's error text, so the log cannot be used to probe what listens where (SPEC §15).
 */
function deliveryError(err: unknown): string {
  if (err instanceof DomainError) return 'Refused: the URL is not allowed for webhooks';
  const name = err instanceof Error ? err.name : '';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.name : '';
  if (name === 'TimeoutError' || cause === 'TimeoutError' || name === 'AbortError') return `Timed out after ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  return 'Could not connect to the endpoint';
}

export function webhookHandler(db: Kysely<DB>, clock: Clock, production: boolean): OutboxHandler {
  return {
    maxAttempts: 12,
    async handle(row: OutboxRow) {
      const p = JSON.parse(row.payload) as WebhookPayload;
      const endpoint = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', p.endpointId).executeTakeFirst();
      // Events queued before an endpoint was disabled are dropped, as they would not have been queued after.
      if (!endpoint || endpoint.enabled !== 1) return;
      const now = clock.now();
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await postWebhook(endpoint.url, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'ResolutionCenter-Webhooks/1',
            'rc-event-id': p.eventId,
            'rc-signature': signature(endpoint.secret, Math.floor(now.getTime() / 1000), p.body),
          },
          body: p.body,
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          production,
        });
        status = res.status;
        if (status < 200 || status > 299) error = `HTTP ${status}`;
      } catch (err) {
        error = deliveryError(err);
      }
      await db
        .insertInto('webhook_deliveries')
        .values({
          endpoint_id: endpoint.id,
          event_id: p.eventId,
          event_type: p.eventType,
          case_id: row.case_id,
          attempt: row.attempts,
          status_code: status,
          error: error?.slice(0, 500) ?? null,
          duration_ms: Math.round(performance.now() - started),
          created_at: now.toISOString(),
        })
        .execute();
      if (error === null) return;
      if (status !== null && !retryable(status)) throw new PermanentError(error);
      throw new Error(error);
    },
  };
}
