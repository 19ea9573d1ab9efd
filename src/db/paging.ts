/**
 * Every list's cursor: the sort key and the id of the last row of a page, opaque to the
 * client (base64url JSON). The next page is the rows after that (key, id) pair.
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
