/**
 * Webhooks (SPEC §8): the platform registers endpoints; each change of a case
 * becomes one event (`case.created`, `case.decided`, `case.closed` or
 * `case.updated`) POSTed to every endpoint subscribed to it, signed, retried
 * with backoff, each attempt written to the endpoint's delivery log.
 */
import crypto from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { CaseChange } from '../cases/service.js';
import type { Clock } from '../clock.js';
import { isOpen } from '../domain/model.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { prepare } from '../db/prepared.js';
import { dialectOf } from '../db/dialect.js';
import { newId } from '../ids.js';
import { type OutboxHandler, type OutboxMessage, PermanentError } from '../outbox/outbox.js';
import { pageById } from '../db/paging.js';
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
/** What a delivery may carry: an event, or the test ping of `POST …/{id}/test`. */
export type DeliveredType = WebhookEventType | 'ping';

export interface WebhookPayload {
  endpointId: string;
  eventId: string;
  eventType: DeliveredType;
  /** The exact body POSTed, fixed at the change so every retry sends the same bytes. */
  body: string;
}

/** How long the events API keeps events (SPEC §14). */
export const EVENTS_KEPT_MS = 30 * 24 * 60 * 60 * 1000;
/** The longest a rotated-out secret keeps signing. */
export const MAX_OVERLAP_MS = 24 * 60 * 60 * 1000;

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

/**
 * `RC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`, one `v1`
 * per secret: the current one first, then the rotated-out one during its overlap.
 */
export function signature(secrets: string | string[], t: number, body: string): string {
  const v1 = [secrets].flat().map((s) => `v1=${crypto.createHmac('sha256', s).update(`${t}.${body}`).digest('hex')}`);
  return [`t=${t}`, ...v1].join(',');
}

/**
 * Records one event for the events API and queues it to every enabled endpoint subscribed
 * to its type, inside the caller's transaction. The event has no place in the API's order
 * until `numberEvents` gives it one after its commit, so a change locks no row that every
 * other change needs. Every change runs these statements: compiled once per publisher, i.e.
 * per database (see db/prepared.ts).
 */
export function webhookPublisher() {
  const insertEvent = prepare((db: Kysely<DB>, id: string, type: string, caseId: string | null, body: string, createdAt: string) =>
    db.insertInto('webhook_events').values({ id, type, case_id: caseId, body, created_at: createdAt }),
  );
  const endpoints = prepare((db: Kysely<DB>) => db.selectFrom('webhook_endpoints').select(['id', 'events']).where('enabled', '=', 1));
  return async (
    trx: Kysely<DB> | Transaction<DB>,
    now: Date,
    type: WebhookEventType,
    caseId: string | null,
    data: Record<string, unknown>,
  ): Promise<OutboxMessage[]> => {
    const id = newId('whevt');
    const createdAt = now.toISOString();
    const body = JSON.stringify({ id, type, createdAt, data });
    await insertEvent(trx, id, type, caseId, body, createdAt);
    return (await endpoints(trx))
      .filter((e) => (JSON.parse(e.events) as string[]).includes(type))
      .map((e) => {
        const payload: WebhookPayload = { endpointId: e.id, eventId: id, eventType: type, body };
        return { kind: 'webhook', caseId, idempotencyKey: `${id}-${e.id}`, payload };
      });
  };
}

/**
 * Gives the events committed since the last numbering their places (`pos`) in the events API's
 * order, after every place handed out before, in the order they were inserted. An event has no
 * place until it has committed, so a reader paging by place never skips one that committed late
 * (a place handed out at insert, like an identity column's, could). The counter row is locked in
 * a statement of its own first (PostgreSQL; on SQLite the transaction has the database to
 * itself): the numbering statement's snapshot then starts after the previous numbering
 * committed, so no event is numbered twice. Run before every listing and by the worker.
 */
export async function numberEvents(db: Kysely<DB>): Promise<number> {
  const waiting = await db.selectFrom('webhook_events').select('seq').where('pos', 'is', null).limit(1).executeTakeFirst();
  if (!waiting) return 0;
  return db.transaction().execute(async (trx) => {
    let locked = trx.selectFrom('webhook_event_counter').select('n').where('id', '=', 1);
    if (dialectOf(db) === 'postgres') locked = locked.forUpdate();
    const { n } = await locked.executeTakeFirstOrThrow();
    const numbered = await sql`
      update webhook_events set pos = ${n} + waiting.rn
      from (select seq, row_number() over (order by seq) as rn from webhook_events where pos is null) as waiting
      where webhook_events.seq = waiting.seq and webhook_events.pos is null`.execute(trx);
    const count = Number(numbered.numAffectedRows ?? 0);
    await trx
      .updateTable('webhook_event_counter')
      .set({ n: n + count })
      .where('id', '=', 1)
      .execute();
    return count;
  });
}

/** Events of the last 30 days, oldest first, after one (SPEC §14's events API). */
export async function listWebhookEvents(
  db: Kysely<DB>,
  now: Date,
  q: { after?: string | undefined; type?: WebhookEventType | undefined; limit: number },
) {
  await numberEvents(db);
  let afterPos = 0;
  if (q.after) {
    const found = await db.selectFrom('webhook_events').select('pos').where('id', '=', q.after).executeTakeFirst();
    if (!found || found.pos === null)
      throw new DomainError('validation_failed', 'No such event to list after.', [
        { path: 'querystring.after', message: 'Unknown event id' },
      ]);
    afterPos = Number(found.pos);
  }
  let sel = db
    .selectFrom('webhook_events')
    .select(['id', 'body'])
    .where('pos', '>', afterPos)
    .where('created_at', '>=', new Date(now.getTime() - EVENTS_KEPT_MS).toISOString());
  if (q.type) sel = sel.where('type', '=', q.type);
  const rows = await sel
    .orderBy('pos')
    .limit(q.limit + 1)
    .execute();
  const data = rows.slice(0, q.limit);
  return {
    data: data.map((r) => JSON.parse(r.body) as { id: string; type: WebhookEventType; createdAt: string; data: Record<string, unknown> }),
    nextCursor: rows.length > q.limit ? (data.at(-1)?.id ?? null) : null,
  };
}

/** Events older than the events API keeps. */
export async function purgeWebhookEvents(db: Kysely<DB>, now: Date): Promise<number> {
  const res = await db
    .deleteFrom('webhook_events')
    .where('created_at', '<', new Date(now.getTime() - EVENTS_KEPT_MS).toISOString())
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

export interface EndpointInput {
  url: string;
  secret: string;
  events: WebhookEventType[];
  enabled?: boolean | undefined;
}

export function endpointView(e: {
  id: string;
  url: string;
  events: string;
  enabled: number;
  previous_secret_until: string | null;
  created_at: string;
  updated_at: string;
}) {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events) as WebhookEventType[],
    enabled: e.enabled === 1,
    /** Until when the rotated-out secret still signs (null: no overlap running). */
    previousSecretExpiresAt: e.previous_secret_until,
    createdAt: e.created_at,
    updatedAt: e.updated_at,
  };
}

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'dead'] as const;
const deliveryStatus = (s: string | null): (typeof DELIVERY_STATUSES)[number] =>
  s === 'done' ? 'succeeded' : s === 'dead' ? 'dead' : 'pending';

function encodeKeyCursor(id: string) {
  return Buffer.from(id).toString('base64url');
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

  private async row(id: string) {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('webhook endpoint');
    return row;
  }

  async get(id: string) {
    return endpointView(await this.row(id));
  }

  /** Every endpoint, by id. */
  async list(limit: number, cursor: string | undefined) {
    const after = cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : null;
    let q = this.db.selectFrom('webhook_endpoints').selectAll();
    if (after !== null) q = q.where('id', '>', after);
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    return { data: data.map(endpointView), nextCursor: rows.length > limit && last ? encodeKeyCursor(last.id) : null };
  }

  /** Deletes the endpoint and its log; what was queued for it is dropped when it comes due. */
  async delete(id: string): Promise<void> {
    await this.row(id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    });
  }

  /**
   * A new secret; the old one keeps signing beside it for `overlapMs` of real time, so
   * receivers can switch without dropping a delivery. A second rotation during an overlap
   * replaces the older secret.
   */
  async rotateSecret(id: string, secret: string, overlapMs: number) {
    const row = await this.row(id);
    const real = this.clock.real().getTime();
    await this.db
      .updateTable('webhook_endpoints')
      .set({
        secret,
        previous_secret: overlapMs > 0 ? row.secret : null,
        previous_secret_until: overlapMs > 0 ? new Date(real + overlapMs).toISOString() : null,
        updated_at: this.clock.now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** Queues a signed ping to the endpoint, delivered like any event (also while it is disabled). */
  async test(id: string) {
    await this.row(id);
    const now = this.clock.now();
    const eventId = newId('whevt');
    const body = JSON.stringify({ id: eventId, type: 'ping', createdAt: now.toISOString(), data: { endpointId: id } });
    const payload: WebhookPayload = { endpointId: id, eventId, eventType: 'ping', body };
    const row = await this.db
      .insertInto('outbox')
      .values({
        kind: 'webhook',
        case_id: null,
        payload: JSON.stringify(payload),
        idempotency_key: `${eventId}-${id}`,
        run_at: now.toISOString(),
        last_error: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { eventId, deliveryId: String(row.id) };
  }

  /** Queues a dead delivery again, with a fresh set of attempts. */
  async retry(deliveryId: string) {
    const id = Number(deliveryId);
    const found = Number.isSafeInteger(id)
      ? await this.db.selectFrom('outbox').select(['id', 'status']).where('id', '=', id).where('kind', '=', 'webhook').executeTakeFirst()
      : undefined;
    if (!found) throw notFound('webhook delivery');
    const now = this.clock.now().toISOString();
    const res = await this.db
      .updateTable('outbox')
      .set({ status: 'pending', attempts: 0, run_at: now, last_error: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0)
      throw new DomainError('delivery_not_dead', `The delivery is ${deliveryStatus(found.status)}: only a dead one can be retried.`);
    return { id: deliveryId, status: 'pending' as const };
  }

  /** The endpoint's delivery log, newest attempt first, each attempt with its delivery and that delivery's status. */
  async deliveries(id: string, limit: number, cursor: string | undefined) {
    await this.row(id);
    return pageById(
      limit,
      cursor,
      (below, take) => {
        let q = this.db
          .selectFrom('webhook_deliveries')
          .leftJoin('outbox', 'outbox.id', 'webhook_deliveries.outbox_id')
          .selectAll('webhook_deliveries')
          .select('outbox.status as delivery_status')
          .where('endpoint_id', '=', id);
        if (below !== null) q = q.where('webhook_deliveries.id', '<', below);
        return q.orderBy('webhook_deliveries.id', 'desc').limit(take).execute();
      },
      (d) => ({
        id: String(d.id),
        deliveryId: d.outbox_id === null ? null : String(d.outbox_id),
        status: deliveryStatus(d.delivery_status),
        eventId: d.event_id,
        eventType: d.event_type as DeliveredType,
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
      // Events queued before an endpoint was disabled are dropped, as they would not have been queued after
      // (the events API still has them); a test ping is sent anyway.
      if (!endpoint || (endpoint.enabled !== 1 && p.eventType !== 'ping')) return;
      const now = clock.now();
      // Signed with the real time, never the movable clock: receivers check it against theirs.
      const real = clock.real();
      const secrets = [endpoint.secret];
      if (endpoint.previous_secret && endpoint.previous_secret_until && endpoint.previous_secret_until > real.toISOString())
        secrets.push(endpoint.previous_secret);
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await postWebhook(endpoint.url, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'ResolutionCenter-Webhooks/1',
            'rc-event-id': p.eventId,
            'rc-signature': signature(secrets, Math.floor(real.getTime() / 1000), p.body),
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
          outbox_id: row.id,
          created_at: now.toISOString(),
        })
        .execute();
      if (error === null) return;
      if (status !== null && !retryable(status)) throw new PermanentError(error);
      throw new Error(error);
    },
  };
}
