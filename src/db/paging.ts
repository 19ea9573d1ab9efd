/**
 * Every list's cursor: the sort key and the id of the last row of a page, opaque to the
 * client (base64url JSON). The next page is the rows after that (key, id) pair. Lists
 * keyed by an increasing integer id alone page with `pageById`.
 */
import { DomainError } from '../domain/errors.js';

export interface Cursor {
  a: string;
  id: string;
}

export function encodeCursor(a: string, id: string): string {
  return Buffer.from(JSON.stringify({ a, id })).toString('base64url');
}

/** The cursor a client sent back, or null for the first page; `numericId` for lists whose tie-breaker is a number. */
export function decodeCursor(cursor: string | undefined, { numericId = false } = {}): Cursor | null {
  if (!cursor) return null;
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.a === 'string' && typeof c.id === 'string' && (!numericId || /^\d{1,15}$/.test(c.id))) return c;
  } catch {
    // fall through to the error below
  }
  throw new DomainError('validation_failed', 'The cursor is not valid.', [{ path: 'cursor', message: 'Invalid cursor' }]);
}

// Rows keyed by an increasing integer id (mails, webhook deliveries) page by that id alone, newest first.
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
