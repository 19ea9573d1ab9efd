/**
 * S3-compatible storage (`STORAGE_URL=s3://bucket/optional/prefix?endpoint=…&region=…&forcePathStyle=true`).
 * Credentials come from the SDK's standard chain (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, profiles, instance roles): never from the URL, so
 * they stay out of logs and config dumps.
 *
 * A stream of unknown length cannot be sent with one PutObject, so bytes are
 * gathered into parts of PART_BYTES: a file that fits in one part is one
 * PutObject; a bigger one is a multipart upload, aborted if anything fails.
 * Memory per upload is one part, whatever the file's size.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type ByteRange, type Storage, checkKey } from './storage.js';

/** S3's smallest allowed part (except the last). */
export const PART_BYTES = 5 * 1024 * 1024;

export class S3Storage implements Storage {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  static fromUrl(u: URL): S3Storage {
    const bucket = u.hostname;
    if (!bucket) throw new Error('STORAGE_URL s3://… must name a bucket');
    const endpoint = u.searchParams.get('endpoint');
    const client = new S3Client({
      region: u.searchParams.get('region') ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: u.searchParams.get('forcePathStyle') === 'true',
      // Newer SDKs add CRC checksums (and aws-chunked bodies) that many S3-compatible services reject.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    const prefix = u.pathname.replace(/^\/+|\/+$/g, '');
    return new S3Storage(client, bucket, prefix ? `${prefix}/` : '');
  }

  private keyOf(key: string): string {
    return this.prefix + checkKey(key);
  }

  async put(key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    const Key = this.keyOf(key);
    // One buffer per upload, refilled part after part: a part is sent (and awaited) before the next is read.
    const part = Buffer.allocUnsafe(PART_BYTES);
    let filled = 0;
    let uploadId: string | undefined;
    const etags: { PartNumber: number; ETag: string }[] = [];
    const flush = async () => {
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }))).UploadId;
      const PartNumber = etags.length + 1;
      const Body = part.subarray(0, filled);
      const res = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber, Body }));
      etags.push({ PartNumber, ETag: res.ETag ?? '' });
      filled = 0;
    };
    try {
      for await (const chunk of body) {
        for (let at = 0; at < chunk.byteLength;) {
          const n = Math.min(chunk.byteLength - at, PART_BYTES - filled);
          part.set(chunk.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === PART_BYTES) await flush();
        }
      }
      if (uploadId === undefined) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: part.subarray(0, filled) }));
        return;
      }
      if (filled > 0) await flush();
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: etags } }),
      );
    } catch (err) {
      if (uploadId !== undefined)
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const res = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
    );
    // In Node the SDK's body is an http.IncomingMessage: a Readable.
    return res.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
  }
}
