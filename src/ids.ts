import crypto from 'node:crypto';

/** Prefixed random ids (`case_…`, `evt_…`, `upl_…`): 16 bytes, url-safe, unguessable. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(16).toString('base64url')}`;
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
