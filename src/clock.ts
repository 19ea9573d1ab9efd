/**
 * The only source of "now". The movable clock's offset lives in the database so
 * every instance agrees on the time (SPEC §10); `sync` re-reads it, `fresh` only when
 * it was told that it moved (or did not hear for a while).
 */
import { type Kysely, sql } from 'kysely';
import type { Invalidations } from './db/invalidations.js';
import type { DB } from './db/schema.js';

/** A backstop: the offset is re-read at least this often even when no move was announced. */
const MAX_AGE_MS = 30_000;

export class Clock {
  private offsetMs = 0;
  private readAt = -Infinity;
  /** Bumped by every announced move: a read that overlapped one does not count as fresh. */
  private epoch = 0;

  constructor(
    private readonly db: Kysely<DB>,
    readonly movable: boolean,
    private readonly base: () => number = Date.now,
    private readonly invalidations?: Invalidations,
  ) {
    invalidations?.on((topic) => {
      if (topic !== 'clock' && topic !== 'all') return;
      this.epoch++;
      this.readAt = -Infinity;
    });
  }

  now(): Date {
    return new Date(this.base() + this.offsetMs);
  }

  /** The time without the movable offset: what the movable clock's bound is measured from. */
  real(): Date {
    return new Date(this.base());
  }

  async sync(): Promise<void> {
    if (!this.movable) return;
    const epoch = this.epoch;
    const row = await this.db.selectFrom('clock').select('offset_ms').where('id', '=', 1).executeTakeFirst();
    this.offsetMs = row?.offset_ms ?? 0;
    if (epoch === this.epoch) this.readAt = performance.now();
  }

  /**
   * `sync`, unless this instance heard of every move since it last read (each request
   * calls this). Only for the instance that serves HTTP: a separate worker process on
   * SQLite hears nothing and calls `sync`.
   */
  async fresh(): Promise<void> {
    if (!this.movable) return;
    if (this.invalidations?.live && performance.now() - this.readAt < MAX_AGE_MS) return;
    await this.sync();
  }

  /**
   * Moves every instance's clock forward by `ms`, in one statement so concurrent advances
   * add up; with `maxOffsetMs`, only if the offset stays within it (null when it would not).
   */
  async advance(ms: number, maxOffsetMs = Number.MAX_SAFE_INTEGER): Promise<Date | null> {
    if (!this.movable) throw new Error('The clock is not movable');
    const move = (db: Kysely<DB>) =>
      db
        .updateTable('clock')
        .set({ offset_ms: sql<number>`offset_ms + ${ms}` })
        .where('id', '=', 1)
        .where(sql<boolean>`offset_ms + ${ms} <= ${maxOffsetMs}`)
        .executeTakeFirst();
    const res = this.invalidations ? await this.invalidations.within(this.db, ['clock'], move) : await move(this.db);
    await this.sync();
    return Number(res.numUpdatedRows) === 1 ? this.now() : null;
  }
}
