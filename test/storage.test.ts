/** One suite for every storage driver: local disk and S3 (against s3rver on loopback). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PART_BYTES } from '../src/files/s3.js';
import { openStorage } from '../src/files/open-storage.js';
import type { Storage } from '../src/files/storage.js';
import { type TestS3, startS3 } from './support/s3.js';

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function* chunksOf(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function* failingAfter(data: Buffer): AsyncGenerator<Buffer> {
  yield* chunksOf(data);
  throw new Error('the client went away');
}

interface Driver {
  name: string;
  start(): Promise<{ storage: Storage; close(): Promise<void>; leftovers(): string[] }>;
}

const drivers: Driver[] = [
  {
    name: 'local disk',
    async start() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-disk-'));
      return {
        storage: openStorage(`file://${dir}/files`),
        leftovers: () => (fs.existsSync(path.join(dir, 'files', '.tmp')) ? fs.readdirSync(path.join(dir, 'files', '.tmp')) : []),
        close: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3',
    async start() {
      const s3: TestS3 = await startS3();
      return { storage: openStorage(s3.url), leftovers: () => [], close: () => s3.close() };
    },
  },
];

describe.each(drivers)('storage on $name', (driver) => {
  let storage: Storage;
  let env: Awaited<ReturnType<Driver['start']>>;
  beforeAll(async () => {
    env = await driver.start();
    storage = env.storage;
  });
  afterAll(() => env.close());

  it('stores a stream and gives it back, whole or by range', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    await storage.put('upl_small', chunksOf(data, 3));
    expect((await read(await storage.get('upl_small'))).toString()).toBe(data.toString());
    expect((await read(await storage.get('upl_small', { start: 5, end: 9 }))).toString()).toBe('56789');
    expect((await read(await storage.get('upl_small', { start: 19, end: 19 }))).toString()).toBe('j');
  });

  it('stores a file larger than one S3 part in pieces', async () => {
    const data = crypto.randomBytes(PART_BYTES + 123_456);
    await storage.put('upl_large', chunksOf(data));
    const back = await read(await storage.get('upl_large'));
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
    const tail = await read(await storage.get('upl_large', { start: data.length - 10, end: data.length - 1 }));
    expect(tail.equals(data.subarray(-10))).toBe(true);
  });

  it('keeps nothing when the stream fails midway, small or large', async () => {
    await expect(storage.put('upl_broken', failingAfter(Buffer.alloc(1000, 1)))).rejects.toThrow('the client went away');
    await expect(storage.get('upl_broken')).rejects.toThrow();
    await expect(storage.put('upl_broken2', failingAfter(Buffer.alloc(PART_BYTES + 10, 1)))).rejects.toThrow('the client went away');
    await expect(storage.get('upl_broken2')).rejects.toThrow();
    expect(env.leftovers()).toEqual([]);
  });

  it('deletes, and deleting twice is fine', async () => {
    await storage.put('upl_gone', chunksOf(Buffer.from('bye')));
    await storage.delete('upl_gone');
    await expect(storage.get('upl_gone')).rejects.toThrow();
    await storage.delete('upl_gone');
  });

  it('refuses keys that are not plain ids', async () => {
    await expect(storage.put('../escape', chunksOf(Buffer.from('x')))).rejects.toThrow('Invalid storage key');
    await expect(storage.get('a/b')).rejects.toThrow('Invalid storage key');
  });
});
