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

  async sync(): Promise<void> {
    if (!this.movable) return;
    const row = await this.db.selectFrom('clock').select('offset_ms').where('id', '=', 1).executeTakeFirst();
    this.offsetMs = row?.offset_ms ?? 0;
  }

  /** Moves every instance's clock forward by `ms`, in one statement so concurrent advances add up. */
  async advance(ms: number): Promise<Date> {
    if (!this.movable) throw new Error('The clock is not movable');
    await this.db
      .updateTable('clock')
      .set({ offset_ms: sql<number>`offset_ms + ${ms}` })
      .where('id', '=', 1)
      .execute();
    await this.sync();
    return this.now();
  }
}
