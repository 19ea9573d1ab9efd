/**
 * Rate-limit counters (SPEC §15): fixed windows on the service's clock. On
 * PostgreSQL they live in the database, so any number of instances share one
 * budget; SQLite is one instance, so memory is enough. Every rate limit uses
 * them: the per-account login limit directly, the per-route limits through
 * `@fastify/rate-limit`'s store interface.
 */
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/dialect.js';
import type { DB } from '../db/schema.js';

export interface Window {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the window ends, epoch milliseconds on the service's clock. */
  resetAt: number;
}

export interface Counters {
  /** Counts one hit on `key`; a window of `windowMs` starts at the first hit after the last one ended. */
  hit(key: string, windowMs: number): Promise<Window>;
  /** Takes one hit back (a login that turned out right is not a failure). */
  undo(key: string): Promise<void>;
  /** Worker job: forgets windows that have ended. */
  purge(): Promise<number>;
}

const MEMORY_SWEEP_AT = 10_000;

class MemoryCounters implements Counters {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<Window> {
    // A server without its worker (`serve --no-worker`) never runs the purge job: keep memory bounded here.
    if (this.windows.size >= MEMORY_SWEEP_AT) await this.purge();
    const now = this.clock.now().getTime();
    const w = this.windows.get(key);
    const next = !w || w.resetAt <= now ? { count: 1, resetAt: now + windowMs } : { count: w.count + 1, resetAt: w.resetAt };
    this.windows.set(key, next);
    return next;
  }

  async undo(key: string): Promise<void> {
    const w = this.windows.get(key);
    if (w && w.count > 0) w.count--;
  }

  async purge(): Promise<number> {
    const now = this.clock.now().getTime();
    let n = 0;
    for (const [key, w] of this.windows)
      if (w.resetAt <= now) {
        this.windows.delete(key);
        n++;
      }
    return n;
  }
}

class DatabaseCounters implements Counters {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  /** One statement: instances racing on one key each get their own count. */
  async hit(key: string, windowMs: number): Promise<Window> {
    const now = this.clock.now().getTime();
    const ended = sql<boolean>`rate_limit_counters.reset_at <= ${now}`;
    const row = await this.db
      .insertInto('rate_limit_counters')
      .values({ key, count: 1, reset_at: now + windowMs })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when ${ended} then 1 else rate_limit_counters.count + 1 end`,
          reset_at: sql<number>`case when ${ended} then ${now + windowMs} else rate_limit_counters.reset_at end`,
        }),
      )
      .returning(['count', 'reset_at'])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), resetAt: Number(row.reset_at) };
  }

  async undo(key: string): Promise<void> {
    await this.db
      .updateTable('rate_limit_counters')
      .set({ count: sql<number>`count - 1` })
      .where('key', '=', key)
      .where('count', '>', 0)
      .execute();
  }

  async purge(): Promise<number> {
    const res = await this.db.deleteFrom('rate_limit_counters').where('reset_at', '<=', this.clock.now().getTime()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

export function openCounters(db: Kysely<DB>, dialect: Dialect, clock: Clock): Counters {
  return dialect === 'postgres' ? new DatabaseCounters(db, clock) : new MemoryCounters(clock);
}

/** `@fastify/rate-limit`'s store over the counters, one key space per route. */
export function rateLimitStore(counters: Counters, clock: Clock) {
  const store = (prefix: string): FastifyRateLimitStore => ({
    incr(key, callback, timeWindow) {
      counters.hit(`${prefix}${key}`, timeWindow).then(
        (w) => callback(null, { current: w.count, ttl: Math.max(0, w.resetAt - clock.now().getTime()) }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
    // The plugin hands each route's merged options, with the route itself under `routeInfo`.
    child: (options) => {
      const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      return store(`route:${String(route?.method)}:${String(route?.url)}:`);
    },
  });
  // The plugin constructs its store with `new`; a class expression keeps the counters in its closure.
  return class {
    constructor() {
      return store('global:');
    }
  } as unknown as new () => FastifyRateLimitStore;
}
