/**
 * `Idempotency-Key` on every POST (SPEC §9): a repeat with the same key and body
 * within 24 hours returns the first answer without acting twice; the same key
 * with another body is 422. The key is scoped to the caller.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { DomainError } from '../domain/errors.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { DB } from '../db/schema.js';
import { sha256 } from '../ids.js';

const TTL_MS = 24 * 60 * 60 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | null;
  }
  interface FastifyContextConfig {
    /**
     * `'route'`: the route calls claimIdempotencyKey itself, with a digest of a body it streams.
     * `'ignored'`: the key is ignored, because the answer is a secret that must not be stored (SPEC §15).
     */
    idempotency?: 'route' | 'ignored';
  }
}

function scopeOf(req: FastifyRequest): string {
  if (req.platform) return req.viewer ? `platform:user:${req.viewer.userId}` : 'platform';
  if (req.viewer) return `user:${req.viewer.userId}`;
  return `ip:${req.ip}`;
}

export function registerIdempotency(app: FastifyInstance, db: Kysely<DB>, clock: Clock) {
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (req, reply) => {
    // A streamed body (an upload) is not read yet here: such a route checks its key itself, once it has the body.
    if (req.routeOptions.config.idempotency !== undefined) return;
    // Most requests carry no key: do not serialise their body for nothing.
    if (req.method !== 'POST' || req.headers['idempotency-key'] === undefined) return;
    const replay = await claimIdempotencyKey(db, clock, req, JSON.stringify(req.body ?? null));
    if (replay) return sendReplay(reply, replay);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const k = req.idempotency;
    if (!k) return payload;
    req.idempotency = null;
    if (typeof payload !== 'string' || transient(reply.statusCode, payload)) {
      // Nothing was decided: let the client retry with the same key.
      await db.deleteFrom('idempotency_keys').where('scope', '=', k.scope).where('key', '=', k.key).execute();
    } else {
      await db
        .updateTable('idempotency_keys')
        .set({ status_code: reply.statusCode, response_body: payload })
        .where('scope', '=', k.scope)
        .where('key', '=', k.key)
        .execute();
    }
    return payload;
  });
}

/**
 * An answer that decided nothing: a 5xx, a rate limit, or `409 conflict` (a stale
 * `expectedVersion`, or a change that lost its race every time it was retried). Every other
 * answer is final, refusals included (`409 action_not_allowed` is the case's answer after
 * the server re-planned the action), and is replayed.
 */
function transient(status: number, payload: string): boolean {
  if (status >= 500 || status === 429) return true;
  if (status !== 409) return false;
  try {
    return (JSON.parse(payload) as { code?: unknown }).code === 'conflict';
  } catch {
    return true;
  }
}

export interface StoredAnswer {
  statusCode: number;
  body: string;
}

/**
 * Checks the request's Idempotency-Key (if any) against `body`, what the
 * request asks for: the first answer to replay, or null after registering the
 * key (the onSend hook then stores this request's answer under it).
 */
export async function claimIdempotencyKey(db: Kysely<DB>, clock: Clock, req: FastifyRequest, body: string): Promise<StoredAnswer | null> {
  const key = req.headers['idempotency-key'];
  if (req.method !== 'POST' || typeof key !== 'string') return null;
  if (key.length < 1 || key.length > 255)
    throw new DomainError('validation_failed', 'Idempotency-Key must be 1–255 characters.', [
      { path: 'headers.idempotency-key', message: '1–255 characters' },
    ]);
  const scope = scopeOf(req);
  const hash = sha256(`${req.method} ${req.url}\n${body}`);
  const now = clock.now();
  const fresh = new Date(now.getTime() - TTL_MS).toISOString();
  const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
  if (row && row.created_at > fresh) {
    if (row.request_hash !== hash) throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used with another request.');
    if (row.status_code === null) throw new DomainError('conflict', 'A request with this Idempotency-Key is still being processed.');
    return { statusCode: row.status_code, body: row.response_body ?? '' };
  }
  if (row) await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
  try {
    await db
      .insertInto('idempotency_keys')
      .values({ scope, key, request_hash: hash, status_code: null, response_body: null, created_at: now.toISOString() })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('conflict', 'A request with this Idempotency-Key is still being processed.');
    throw err;
  }
  req.idempotency = { scope, key };
  return null;
}

export function sendReplay(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  return reply
    .code(answer.statusCode)
    .header('idempotent-replayed', 'true')
    .type(answer.statusCode >= 400 ? 'application/problem+json' : 'application/json')
    .serializer((s: unknown) => s as string)
    .send(answer.body);
}

/** Worker job: forget keys older than 24 hours. */
export async function purgeIdempotencyKeys(db: Kysely<DB>, now: Date): Promise<number> {
  const res = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - TTL_MS).toISOString())
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
