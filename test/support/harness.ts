/**
 * Test harness: the real service on real HTTP (127.0.0.1, random port) against
 * a real database: SQLite in a temp dir, or — when DATABASE_URL names a
 * PostgreSQL server — a fresh database on it for each test file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AppParts, type App, createApp } from '../../src/app.js';
import { type Config, DEV_PLATFORM_API_KEY, loadConfig } from '../../src/config.js';
import { freshDatabase } from './databases.js';

export const PLATFORM_KEY = DEV_PLATFORM_API_KEY;
export const TEST_ORIGIN = 'http://rc.test';
/** Tests run on a pinned clock: time moves only when a test moves it. */
export const T0 = Date.parse('2026-03-02T09:00:00.000Z');

export { freshDatabase, postgresUrl } from './databases.js';

export interface TestApp {
  url: string;
  app: App;
  config: Config;
  dir: string;
  api: Api;
  close(): Promise<void>;
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type Api = <T = any>(
  method: string,
  path: string,
  opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer },
) => Promise<Answer<T>>;

export function makeApi(base: string): Api {
  return async (method, p, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(base + p, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (/json/.test(res.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as never, headers: res.headers };
  };
}

/**
 * Polls `api` until it refuses `token` (another instance ended the session and this one hears
 * of it when its database tells it): the milliseconds that took. The number of polls is
 * bounded, never the time slept.
 */
export async function refusedAfter(api: Api, token: string): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < 1000; i++) {
    if ((await api('GET', '/api/v1/me', { token })).status === 401) return performance.now() - start;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('the session is still accepted');
}

export async function startApp(env: Record<string, string> = {}, parts: AppParts = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-test-'));
  const database = await freshDatabase(dir);
  const config = loadConfig({
    DATA_DIR: dir,
    DATABASE_URL: database.url,
    DEMO_SEED: '0',
    DEV_CLOCK: '1',
    VALIDATE_RESPONSES: '1',
    LOG_LEVEL: 'silent',
    PORT: '0',
    // The origin the CSRF check expects; tests send it as Origin when they use the cookie.
    PUBLIC_URL: TEST_ORIGIN,
    RATE_LIMIT_OPEN_CASE: '1000',
    RATE_LIMIT_ACTIONS: '1000',
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_UPLOADS: '1000',
    // Tests move the clock by weeks; sessions outlive them unless a test says otherwise.
    SESSION_TTL: 'P3650D',
    ...env,
  });
  const app = await createApp(config, { baseNow: () => T0, ...parts });
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    app,
    config,
    dir,
    api: makeApi(url),
    async close() {
      await app.close();
      await database.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
