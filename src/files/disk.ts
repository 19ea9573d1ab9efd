/**
 * Local-disk storage: each file is written to a temporary name in the same
 * directory tree, flushed, then renamed into place, so a reader never sees a
 * half-written file and a crash leaves only a temporary file behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, type Storage, checkKey } from './storage.js';

export class DiskStorage implements Storage {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, '.tmp');
  }

  private pathOf(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async put(key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    const final = this.pathOf(key);
    await fsp.mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, `${crypto.randomBytes(12).toString('hex')}.part`);
    try {
      const out = fs.createWriteStream(tmp, { flags: 'wx' });
      await pipeline(Readable.from(body), out);
      const fh = await fsp.open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, final);
      // The rename itself is durable only once the directory is flushed.
      const dir = await fsp.open(this.root, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    // Open first, so a missing file rejects here instead of failing mid-response.
    const stream = fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }
}
