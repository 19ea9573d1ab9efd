/**
 * Where evidence files' bytes live (SPEC §7): one interface, two drivers (local
 * disk, S3-compatible), chosen by STORAGE_URL (open-storage.ts). Keys are the service's own
 * random ids, never anything a client sent.
 */
import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP's `Range: bytes=start-end` says it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface Storage {
  /**
   * Stores the bytes under `key`, all or nothing: if `body` throws or the
   * store fails, nothing is left under the key and the promise rejects.
   */
  put(key: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /** The bytes (or a range of them) as a stream; rejects if the key holds nothing. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys are generated ids; refusing anything else keeps a bug from reaching outside the store. */
export function checkKey(key: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(key)) throw new Error(`Invalid storage key "${key}"`);
  return key;
}
