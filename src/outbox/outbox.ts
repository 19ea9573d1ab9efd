/**
 * The transactional outbox (SPEC §8, ARCHITECTURE "outbox/"): side effects are
 * rows written in the transaction of the change that causes them, then claimed
 * by workers with a lease, executed, and recorded. A crash between executing
 * and recording repeats the effect after the lease, never loses it; each effect
 * carries an idempotency key so a repeat is harmless where the receiver allows.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/dialect.js';
import type { DB, OutboxRow } from '../db/schema.js';

export interface OutboxMessage {
  kind: string;
  caseId?: string | null;
  payload: unknown;
  idempotencyKey: string;
  runAt?: Date;
}

/** The row one message is stored as. */
export function outboxRow(m: OutboxMessage, now: Date) {
  const at = now.toISOString();
  return {
    kind: m.kind,
    case_id: m.caseId ?? null,
    payload: JSON.stringify(m.payload),
    idempotency_key: m.idempotencyKey,
    run_at: (m.runAt ?? now).toISOString(),
    last_error: null,
    created_at: at,
    updated_at: at,
  };
}

export async function enqueue(trx: Kysely<DB> | Transaction<DB>, now: Date, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(messages.map((m) => outboxRow(m, now)))
    .execute();
}

/** A failure that will not go away by trying again (a 4xx, a bad address). */
export class PermanentError extends Error {}

export interface OutboxHandler {
  handle(row: OutboxRow): Promise<void>;
  /** Attempts before the row is dead (default 8). */
  maxAttempts?: number;
  /** Called once when the row dies, to record the failure where people see it. */
  onDead?(row: OutboxRow, error: string): Promise<void>;
  /** Releases what the handler keeps open between rows (pooled connections). */
  close?(): void;
  /**
   * The handler marks its row done itself, in the transaction that records its effect and
   * only while this worker still holds the lease; the worker then writes nothing more (a
   * second write would also end a row another worker has leased since).
   */
  marksDone?: boolean;
}

const LEASE_MS = 60_000;
/** Time a row needs in the worst normal case (a webhook's 10 s timeout, then recording it). */
const LEASE_MARGIN_MS = 15_000;

export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(10_000 * 2 ** (attempts - 1), 3_600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class OutboxWorker {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly handlers: Record<string, OutboxHandler>,
    private readonly log: Logger,
  ) {}

  /** Claims up to `limit` due rows under a lease; another worker skips them. */
  async claim(limit: number): Promise<OutboxRow[]> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where('run_at', '<=', now.toISOString())
        .orderBy('run_at')
        .orderBy('id')
        .limit(limit);
      if (this.dialect === 'postgres') q = q.forUpdate().skipLocked();
      const ids = (await q.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      const claimed = await trx
        .updateTable('outbox')
        .set((eb) => ({
          run_at: new Date(now.getTime() + LEASE_MS).toISOString(),
          attempts: eb('attempts', '+', 1),
          updated_at: now.toISOString(),
        }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      // RETURNING has no order on PostgreSQL: run the batch in the order it was selected.
      const at = new Map(ids.map((id, i) => [id, i]));
      return claimed.sort((a, b) => (at.get(a.id) ?? 0) - (at.get(b.id) ?? 0));
    });
  }

  /** Releases the handlers' connections; call after the last batch. */
  close(): void {
    for (const handler of Object.values(this.handlers)) handler.close?.();
  }

  /** Runs one batch; returns how many rows it handled. */
  async runBatch(limit = 50): Promise<number> {
    const rows = await this.claim(limit);
    for (const row of rows) {
      // A slow batch must not outlive its lease: another worker may claim the rest once it ends,
      // so rows left unstarted near the end are left for the next claim instead of sent twice.
      if (this.clock.now().getTime() > Date.parse(row.run_at) - LEASE_MARGIN_MS) break;
      await this.execute(row);
    }
    return rows.length;
  }

  private async execute(row: OutboxRow): Promise<void> {
    const handler = this.handlers[row.kind];
    try {
      if (!handler) throw new PermanentError(`No handler for outbox kind "${row.kind}"`);
      await handler.handle(row);
      if (handler.marksDone) return;
      await this.db
        .updateTable('outbox')
        .set({ status: 'done', last_error: null, updated_at: this.clock.now().toISOString() })
        .where('id', '=', row.id)
        .execute();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof PermanentError;
      const dead = permanent || row.attempts >= (handler?.maxAttempts ?? 8);
      const now = this.clock.now();
      this.log.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, dead, err: message }, 'outbox effect failed');
      // The failure is recorded where people see it before the row dies: if recording fails
      // or the process stops in between, the row is still leased and runs (and dies) again.
      if (dead) await handler?.onDead?.(row, message);
      await this.db
        .updateTable('outbox')
        .set({
          status: dead ? 'dead' : 'pending',
          last_error: message.slice(0, 1000),
          run_at: new Date(now.getTime() + (dead ? 0 : backoffMs(row.attempts))).toISOString(),
          updated_at: now.toISOString(),
        })
        .where('id', '=', row.id)
        .execute();
    }
  }
}
