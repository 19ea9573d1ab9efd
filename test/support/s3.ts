/** A real S3-protocol server (s3rver) on loopback for the storage tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export { S3rver };

export interface TestS3 {
  /** A STORAGE_URL for the test bucket. */
  url: string;
  close(): Promise<void>;
}

export async function startS3(bucket = 'evidence'): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = (await server.run()) as unknown as { port: number };
  // The SDK's standard chain reads these; s3rver accepts its own fixed pair.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  return {
    url: `s3://${bucket}?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&region=us-east-1&forcePathStyle=true`,
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
