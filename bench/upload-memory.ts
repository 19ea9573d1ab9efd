/**
 * Memory stays flat while uploading (SPEC §7): starts the real server in a
 * child process with MAX_FILE_BYTES raised, uploads a 100 MiB file over real
 * HTTP as a stream, and reports how much the server's resident memory grew.
 * Not a test: `npm run bench:upload` (local disk) or `npm run bench:upload -- --s3`
 * (an s3rver on loopback). Fails (exit 1) above 32 MiB of growth.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DEV_PLATFORM_API_KEY } from '../src/config.js';
import { startS3 } from '../test/support/s3.js';

const FILE_BYTES = 100 * 1024 * 1024;
const LIMIT_BYTES = 32 * 1024 * 1024;
const MiB = 1024 * 1024;

async function json(base: string, method: string, p: string, token: string, body: unknown): Promise<any> {
  const res = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The server reports its own RSS on a line we ask for over stdin. */
function rssOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      const m = /^rss (\d+)$/m.exec(d.toString());
      if (m) {
        child.stdout?.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stdin?.write('rss\n');
  });
}

/** Streams `bytes` of text as one multipart file, never holding more than a chunk. */
function upload(base: string, token: string, bytes: number): Promise<{ status: number; body: string }> {
  const boundary = `----bench${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 'evidence line\n');
  const url = new URL('/api/v1/uploads', base);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + bytes + tail.length,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-bench-'));
  const s3 = process.argv.includes('--s3') ? await startS3() : null;
  console.log(`storage: ${s3 ? 'S3 (s3rver on loopback)' : 'local disk'}`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'app-server.ts')], {
    env: {
      ...process.env,
      ...(s3 ? { STORAGE_URL: s3.url } : {}),
      DATA_DIR: dir,
      PORT: '0',
      MAX_FILE_BYTES: String(FILE_BYTES + MiB),
      // The runs' uploads stay unclaimed: the quota of unclaimed uploads must hold all of them.
      UPLOAD_QUOTA_BYTES: String(3 * FILE_BYTES),
      LOG_LEVEL: 'warn',
      DEMO_SEED: '0',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    // The server listens on a free port and says which: "ready <port>".
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        const m = /^ready (\d+)$/m.exec(d.toString());
        if (m) resolve(`http://127.0.0.1:${m[1]}`);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const key = DEV_PLATFORM_API_KEY;
    await json(base, 'PUT', '/api/v1/platform/users/bench', key, { email: 'bench@example.com', name: 'Bench', password: 'bench-password' });
    const { token } = await json(base, 'POST', '/api/v1/session', '', { email: 'bench@example.com', password: 'bench-password' });
    // A 1 MiB warm-up first loads the upload path's modules (file-type, the multipart parser, the S3 SDK),
    // which is start-up cost, not memory that grows with the file; then 100 MiB, twice.
    const runs: { label: string; bytes: number; before: number; peak: number }[] = [];
    for (const [label, bytes] of [
      ['warm-up', MiB],
      ['run 1', FILE_BYTES],
      ['run 2', FILE_BYTES],
    ] as const) {
      const before = await rssOf(child);
      let peak = before;
      const sampler = setInterval(() => void rssOf(child).then((r) => (peak = Math.max(peak, r))), 50);
      const started = Date.now();
      const res = await upload(base, token, bytes);
      clearInterval(sampler);
      peak = Math.max(peak, await rssOf(child));
      if (res.status !== 201) throw new Error(`upload: ${res.status} ${res.body}`);
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `${label}: ${bytes / MiB} MiB in ${seconds.toFixed(1)} s; server RSS ${(before / MiB).toFixed(1)} → peak ${(peak / MiB).toFixed(1)} MiB: growth ${((peak - before) / MiB).toFixed(1)} MiB`,
      );
      runs.push({ label, bytes, before, peak });
    }
    const measured = runs.filter((r) => r.bytes === FILE_BYTES);
    const growth = Math.max(...measured.map((r) => r.peak - r.before));
    const total = Math.max(...measured.map((r) => r.peak)) - runs[0]!.before;
    console.log(
      `RSS growth while uploading 100 MiB: ${(growth / MiB).toFixed(1)} MiB (limit ${LIMIT_BYTES / MiB} MiB); since before the warm-up: ${(total / MiB).toFixed(1)} MiB`,
    );
    // For `npm run bench`, which folds this figure into its table.
    console.log(`RESULT ${JSON.stringify({ growthMiB: growth / MiB, sinceWarmupMiB: total / MiB, limitMiB: LIMIT_BYTES / MiB })}`);
    if (growth >= LIMIT_BYTES) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await s3?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
