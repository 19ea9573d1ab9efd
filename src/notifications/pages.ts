/** Pages of rows with increasing integer ids, newest first, for the notification lists. */
import { DomainError } from '../domain/errors.js';

function encodeIdCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

function decodeIdCursor(cursor: string | undefined): number | null {
  if (!cursor) return null;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0)
    throw new DomainError('validation_failed', 'The cursor is not valid.', [{ path: 'cursor', message: 'Invalid cursor' }]);
  return n;
}

/**
 * One page: `fetch` reads up to `take` rows with ids below `below` (all on the first
 * page), highest id first; one row more than the page tells whether another follows.
 */
export async function pageById<R extends { id: number }, V>(
  limit: number,
  cursor: string | undefined,
  fetch: (below: number | null, take: number) => Promise<R[]>,
  view: (row: R) => V,
): Promise<{ data: V[]; nextCursor: string | null }> {
  const rows = await fetch(decodeIdCursor(cursor), limit + 1);
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data: data.map(view), nextCursor: rows.length > limit && last ? encodeIdCursor(last.id) : null };
}
