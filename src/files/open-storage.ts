/** The storage driver STORAGE_URL names; apart from the interface the drivers implement. */
import { DiskStorage } from './disk.js';
import { S3Storage } from './s3.js';
import type { Storage } from './storage.js';

export function openStorage(url: string): Storage {
  const u = new URL(url);
  if (u.protocol === 'file:') return new DiskStorage(decodeURIComponent(u.pathname));
  if (u.protocol === 's3:') return S3Storage.fromUrl(u);
  throw new Error(`STORAGE_URL must be file://… or s3://…, got "${u.protocol}"`);
}
