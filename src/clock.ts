/**
 * The only source of "now". The movable clock's offset lives in the database so
 * every instance agrees on the time (SPEC §10); `sync` re-reads it.
 */
import { type Kysely, sql } from 'kysely';
import type { DB } from './db/schema.js';

export class Clock {
  private offsetMs = 0;

  constructor(
    private readonly db: Kysely<DB>,
    readonly movable: boolean,
    private readonly base: () => number = Date.now,
  ) {}

  now(): Date {
    return new Date(this.base() + this.offsetMs);
  }

  /** The time without the movable offset: what the movable clock's bound is measured from. */
  real(): Date {
    return new Date(this.base());
  }

  async sync(): Promise<void> {
    if (!this.movable) return;
    const row = await this.db.selectFrom('clock').select('offset_ms').where('id', '=', 1).executeTakeFirst();
    this.offsetMs = row?.offset_ms ?? 0;
  }

  /**
   * Moves every instance's clock forward by `ms`, in one statement so concurrent advances
   * add up; with `maxOffsetMs`, only if the offset stays within it (null when it would not).
   */
  async advance(ms: number, maxOffsetMs = Number.MAX_SAFE_INTEGER): Promise<Date | null> {
    if (!this.movable) throw new Error('The clock is not movable');
    const res = await this.db
      .updateTable('clock')
      .set({ offset_ms: sql<number>`offset_ms + ${ms}` })
      .where('id', '=', 1)
      .where(sql<boolean>`offset_ms + ${ms} <= ${maxOffsetMs}`)
      .executeTakeFirst();
    await this.sync();
    return Number(res.numUpdatedRows) === 1 ? this.now() : null;
  }
}
