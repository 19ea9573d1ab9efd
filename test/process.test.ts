/** The command line as an operator runs it: migrate, serve, serve --no-worker + worker, SIGTERM. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, makeApi } from './support/harness.js';
import { makeWorld } from './support/world.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
let dir: string;
let db: { url: string; drop: () => Promise<void> };
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-proc-'));
  db = await freshDatabase(dir);
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (port: number) => ({
  ...process.env,
  DATA_DIR: dir,
  DATABASE_URL: db.url,
  PORT: String(port),
  DEMO_SEED: '0',
  LOG_LEVEL: 'warn',
  SESSION_TTL: 'P3650D',
});

/** Starts a process and resolves once `ready` appears on its stdout. */
function start(args: string[], port: number, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(TSX, ['src/main.ts', ...args], { env: env(port), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition never met');
}

// Child processes start slowly on a loaded 2-core machine: allow them time (this is not waiting for time to pass).
describe('the command line', { timeout: 90_000 }, () => {
  it('migrate applies the migrations once', async () => {
    const first = await run(TSX, ['src/main.ts', 'migrate'], { env: env(0) });
    expect(first.stdout).toMatch(/Applied: 001_core/);
    const again = await run(TSX, ['src/main.ts', 'migrate'], { env: env(0) });
    expect(again.stdout).toMatch(/up to date/);
  });

  it('serve --no-worker leaves effects to a separate worker; SIGTERM stops both cleanly', async () => {
    const port = 3900 + Math.floor(Math.random() * 500);
    const serve = await start(['serve', '--no-worker'], port, /running at/);
    const api = makeApi(`http://127.0.0.1:${port}`);
    expect((await api('GET', '/healthz')).status).toBe(200);
    const w = await makeWorld(api);
    // These processes run on the wall clock, not the tests' pinned one.
    const c = await w.openCase({ paidAt: new Date(Date.now() - 86_400_000).toISOString() });
    await w.act(w.tokens.merchant, c.id, { type: 'accept' });
    const pending = await api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer });
    expect(pending.body.outcome.execution).toBe('pending');

    const worker = await start(['worker'], port, /worker started/);
    const done = await until(
      () => api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer }),
      (r) => r.body.outcome.execution === 'succeeded',
    );
    expect(done.body.timeline.filter((e: any) => e.type === 'refund_succeeded')).toHaveLength(1);

    const codes = Promise.all([exited(worker), exited(serve)]);
    worker.kill('SIGTERM');
    serve.kill('SIGTERM');
    expect(await codes).toEqual([0, 0]);
  });

  it('backup copies a live SQLite database that opens on its own', async () => {
    if (db.url.startsWith('postgres')) {
      await expect(run(TSX, ['src/main.ts', 'backup', path.join(dir, 'x.sqlite')], { env: env(0) })).rejects.toMatchObject({ code: 78 });
      return;
    }
    const target = path.join(dir, 'backup.sqlite');
    const out = await run(TSX, ['src/main.ts', 'backup', target], { env: env(0) });
    expect(out.stdout).toMatch(/Backed up/);
    const restored = new (await import('better-sqlite3')).default(target, { readonly: true });
    const n = restored.prepare('select count(*) as n from users').get() as { n: number };
    restored.close();
    expect(n.n).toBeGreaterThan(0);
  });

  it('an unknown command says how to use it', async () => {
    await expect(run(TSX, ['src/main.ts', 'dance'], { env: env(0) })).rejects.toMatchObject({ code: 2 });
  });
});
