/** The command line as an operator runs it: migrate, serve, serve --no-worker + worker, SIGTERM. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, makeApi } from './support/harness.js';
import { type Proc, startProcess, until } from './support/processes.js';
import { makeWorld } from './support/world.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
let dir: string;
let db: { url: string; drop: () => Promise<void> };
const children: Proc[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-proc-'));
  db = await freshDatabase(dir);
});
afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGKILL')));
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({
  DATA_DIR: dir,
  DATABASE_URL: db.url,
  DEMO_SEED: '0',
  LOG_LEVEL: 'warn',
  SESSION_TTL: 'P3650D',
});

// Child processes start slowly on a loaded 2-core machine: allow them time (this is not waiting for time to pass).
describe('the command line', { timeout: 90_000 }, () => {
  it('migrate applies the migrations once', async () => {
    const first = await run(TSX, ['src/main.ts', 'migrate'], { env: { ...process.env, ...env() } });
    expect(first.stdout).toMatch(/Applied: 001_core/);
    const again = await run(TSX, ['src/main.ts', 'migrate'], { env: { ...process.env, ...env() } });
    expect(again.stdout).toMatch(/up to date/);
  });

  it('serve --no-worker leaves effects to a separate worker; SIGTERM stops both cleanly', async () => {
    const serve = await startProcess(['serve', '--no-worker'], env());
    children.push(serve);
    const api = makeApi(serve.url);
    expect((await api('GET', '/healthz')).status).toBe(200);
    const w = await makeWorld(api);
    // These processes run on the wall clock, not the tests' pinned one.
    const c = await w.openCase({ paidAt: new Date(Date.now() - 86_400_000).toISOString() });
    await w.act(w.tokens.merchant, c.id, { type: 'accept' });
    const pending = await api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer });
    expect(pending.body.outcome.execution).toBe('pending');

    const worker = await startProcess(['worker'], env());
    children.push(worker);
    const done = await until(
      () => api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer }),
      (r) => r.body.outcome.execution === 'succeeded',
    );
    expect(done.body.timeline.filter((e: any) => e.type === 'refund_succeeded')).toHaveLength(1);

    expect(await Promise.all([worker.stop(), serve.stop()])).toEqual([0, 0]);
  });

  it('backup copies a live SQLite database that opens on its own', async () => {
    if (db.url.startsWith('postgres')) {
      await expect(
        run(TSX, ['src/main.ts', 'backup', path.join(dir, 'x.sqlite')], { env: { ...process.env, ...env() } }),
      ).rejects.toMatchObject({ code: 78 });
      return;
    }
    const target = path.join(dir, 'backup.sqlite');
    const out = await run(TSX, ['src/main.ts', 'backup', target], { env: { ...process.env, ...env() } });
    expect(out.stdout).toMatch(/Backed up/);
    const restored = new (await import('better-sqlite3')).default(target, { readonly: true });
    const n = restored.prepare('select count(*) as n from users').get() as { n: number };
    restored.close();
    expect(n.n).toBeGreaterThan(0);
  });

  it('an unknown command says how to use it', async () => {
    await expect(run(TSX, ['src/main.ts', 'dance'], { env: { ...process.env, ...env() } })).rejects.toMatchObject({ code: 2 });
  });
});
