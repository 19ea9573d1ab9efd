/**
 * Two writers of one case or dispute racing: the loser's transaction is rolled back and run
 * again on what the winner wrote (SPEC §4). One loop for every write path that retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isSerializationFailure, isUniqueViolation } from './dialect.js';

/** The compare-and-set on `version` found the case changed since it was read. */
export class LostRace extends Error {
  constructor() {
    super('The case changed during the transaction');
  }
}

/**
 * Another change to the case got in first: the compare-and-set failed, or the database
 * refused the transaction for the same reason in its own words (two writers computing the
 * same next event seq; a deadlock or serialization failure on PostgreSQL). Planning again
 * on the case as it now is decides correctly in every such case.
 */
export function isLostRace(err: unknown): boolean {
  return err instanceof LostRace || isUniqueViolation(err) || isSerializationFailure(err);
}

export interface RetryOptions {
  /** How many times the transaction runs at most (default 5). */
  attempts?: number;
  /** Which errors are a lost race (default isLostRace). */
  raced?: (err: unknown) => boolean;
  /** The first retry waits a random time up to this, each further one up to twice as long (jitter: racers spread out); default none. */
  pauseMs?: number;
  /** What to throw when the last attempt lost too (default the error itself). */
  giveUp?: (err: unknown) => unknown;
}

/** Runs `run` (a whole transaction) again while it loses a race, up to `attempts` times. */
export async function retryLostRaces<T>(run: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 5, raced = isLostRace, pauseMs = 0, giveUp = (err: unknown) => err } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!raced(err)) throw err;
      if (attempt >= attempts) throw giveUp(err);
      if (pauseMs > 0) await sleep(Math.random() * pauseMs * 2 ** (attempt - 1));
    }
  }
}
