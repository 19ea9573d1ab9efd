/** HTTP byte ranges (RFC 9110 §14) for downloads: videos seek with them. */
import type { ByteRange } from './storage.js';

/**
 * The one range a `Range` header asks of a file of `size` bytes: a range,
 * `'unsatisfiable'` (416), or null to send the whole file (no header, a
 * malformed one, or several ranges, which a server may answer in full).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
