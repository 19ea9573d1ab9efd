/** Original file names: kept for display only (SPEC §7), never used as storage keys. */

export const MAX_NAME_CHARS = 200;

// Control characters (C0, DEL, C1) and the bidirectional overrides that can disguise an extension (`txt.exe` shown as `exe.txt`).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name to show: the last path segment (either slash), Unicode NFC,
 * without control characters, at most 200 characters (never splitting a
 * character), and never empty, `.` or `..`.
 */
export function displayName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.normalize('NFC').replace(UNSAFE, '').trim();
  const cut = Array.from(clean).slice(0, MAX_NAME_CHARS).join('').trim();
  return cut === '' || cut === '.' || cut === '..' ? 'file' : cut;
}

/**
 * `Content-Disposition: attachment` with the name twice (RFC 6266): an ASCII
 * fallback for old clients and the exact name as RFC 5987 UTF-8.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
