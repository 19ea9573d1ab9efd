/**
 * `npm run bench`: the hot paths, each beside a baseline measured in the same
 * run (see BENCHMARKS.md). SQLite always; PostgreSQL too when DATABASE_URL
 * names a PostgreSQL server (a fresh database per run, dropped after).
 *
 *   --seconds N     measured seconds per HTTP scenario and side (default 6, in 3 alternating rounds, after 1 s warm-up)
 *   --sizes a,b,c   deadline-sweep sizes (default 10000,100000,1000000)
 *   --pg-sizes a,b  sizes on PostgreSQL (default: the same)
 *   --only x,y      sections: http, writes, sweep, upload (default all), insights (only when named)
 *   --insights-sizes a,b  a merchant's total cases for the insights section (default 10000,1000000)
 *   --db sqlite|postgres|both
 *   --scenario s    only the HTTP scenarios whose name contains s (read, open, reply, history, floor, list)
 *   --cpu-prof DIR  the service under test writes a V8 CPU profile there (see bench/profile-top.ts)
 *
 * Not a test and never part of `npm test`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { type DirectResult, direct } from './direct.js';
import { insightsBefore } from './insights-before.js';
import { Insights } from '../src/insights/insights.js';
import { type FreshDatabase, freshDatabase } from '../test/support/databases.js';
import { openSink, seedCases, seedDisputes, seedMerchants, seedPayments, seedReplies, seedSession, seedUsers } from './seed.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SECONDS = Number(opt('seconds', '6'));
const CONNECTIONS = 32;
const SIZES = opt('sizes', '10000,100000,1000000').split(',').map(Number);
const PG_SIZES = opt('pg-sizes', SIZES.join(',')).split(',').map(Number);
const ONLY = new Set(opt('only', 'http,writes,sweep,upload').split(','));
const INSIGHTS_SIZES = opt('insights-sizes', '10000,1000000').split(',').map(Number);
const DUE = 1000;
const MERCHANT_CASES = 10_000;
const PAGE = 25;
const HISTORY_CASES = 100;
const SHORT_HISTORY = 20;
const LONG_HISTORY = 1000;
const DEEP_PAGE = 361; // 9 000 cases into the cursor chain of 10 000
const pgServer = process.env.DATABASE_URL && /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL) ? process.env.DATABASE_URL : null;
const dbChoice = opt('db', pgServer ? 'both' : 'sqlite');
const PICK = opt('scenario', '');
const want = (name: string) => name.includes(PICK);
const CPU_PROF = opt('cpu-prof', '');
const DIALECTS = (dbChoice === 'both' ? ['sqlite', 'postgres'] : [dbChoice]) as ('sqlite' | 'postgres')[];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-bench-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- databases

async function freshDb(dialect: 'sqlite' | 'postgres', name: string): Promise<FreshDatabase> {
  if (dialect === 'postgres' && !pgServer) throw new Error('PostgreSQL needs DATABASE_URL=postgres://…');
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const db = await freshDatabase(dir, { postgres: dialect === 'postgres' ? pgServer : null, name: `rc_bench_${process.pid}_${name}` });
  return { url: db.url, drop: async () => (await db.drop(), fs.rmSync(dir, { recursive: true, force: true })) };
}

async function migrate(url: string) {
  const database = openDatabase(url);
  await migrateToLatest(database.db);
  await database.close();
}

async function vacuumAnalyze(url: string) {
  if (url.startsWith('sqlite')) {
    const s = new SQLite(url.replace(/^sqlite:(\/\/)?/, ''));
    s.exec('analyze');
    s.close();
    return;
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('vacuum analyze');
  await c.end();
}

// ---------------------------------------------------------------- processes

interface Server {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startServer(script: string, env: Record<string, string>, flags: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', path.join(import.meta.dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /^ready (\d+)$/m.exec(d.toString());
      if (m)
        resolve({
          base: `http://127.0.0.1:${m[1]}`,
          child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** The service as production runs it, apart from the raised rate limits. */
function appEnv(url: string, dataDir: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    PORT: '0',
    DEMO_SEED: '0',
    DEV_CLOCK: '0',
    LOG_LEVEL: 'warn',
    VALIDATE_RESPONSES: '0',
    RATE_LIMIT_OPEN_CASE: '100000000',
    RATE_LIMIT_ACTIONS: '100000000',
    RATE_LIMIT_LOGIN: '100000000',
    RATE_LIMIT_UPLOADS: '100000000',
  };
}

// ---------------------------------------------------------------- HTTP

interface Http {
  rps: number;
  p99: number;
  p50: number;
  errors: number;
  total: number;
  /** Answers by status code, so errors can be told apart. */
  statuses: Record<string, number>;
}

interface Load {
  method: 'GET' | 'POST';
  path: (i: number) => string;
  body?: (i: number) => string;
  token?: string;
}

async function cannon(base: string, load: Load, seconds: number): Promise<Http> {
  let i = 0;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (load.token) headers.authorization = `Bearer ${load.token}`;
  const r = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: load.method,
        headers,
        setupRequest: (req) => {
          const n = i++;
          return { ...req, path: load.path(n), ...(load.body ? { body: load.body(n) } : {}) };
        },
      },
    ],
  });
  return {
    rps: r.requests.total / r.duration,
    p99: r.latency.p99,
    p50: r.latency.p50,
    errors: r.errors + r.timeouts + r.non2xx,
    total: r.requests.total,
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, v]) => [code, v.count])),
  };
}

async function fetchJson(base: string, method: string, p: string, token: string | null, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return { text, json: JSON.parse(text) };
}

interface HttpScenario {
  name: string;
  app: Http;
  bare: Http;
  ratio: number;
  bodyBytes: number;
}

const ROUNDS = 3;

/** Sums rounds into one figure: requests over time; p50 and p99 the worst round's. */
function merge(parts: Http[], seconds: number): Http {
  const total = parts.reduce((n, p) => n + p.total, 0);
  return {
    rps: total / (seconds * parts.length),
    p50: Math.max(...parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    total,
    statuses: parts.reduce<Record<string, number>>((all, p) => {
      for (const [code, n] of Object.entries(p.statuses)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {}),
  };
}

/**
 * The scenario on the service and the bare route with a body of the same size, in
 * alternating rounds (service, bare, service, bare…) so a burst of load from the
 * machine's other tenants falls on both sides alike.
 */
async function scenario(
  name: string,
  app: Server,
  bare: Server,
  load: Load,
  sample: { text: string; json: unknown },
): Promise<HttpScenario> {
  const barePath = `/bare/${encodeURIComponent(name)}`;
  await fetchJson(bare.base, 'PUT', `/bodies/${encodeURIComponent(name)}`, null, sample.json);
  // The bare route gets a request body of the same size, fixed: it must not use up the
  // service's payments (a reused payment would answer 409 case_already_exists).
  const bareBody = load.body?.(0);
  const bareLoad: Load = { method: load.method, path: () => barePath, ...(bareBody ? { body: () => bareBody } : {}) };
  // A baseline that answers anything but the stored body measures something else (until
  // 2026-11-26 an unencoded space in this path made Node answer every bare request 400).
  const check = await fetch(bare.base + barePath, { method: load.method, headers: { 'content-type': 'application/json' }, body: bareBody });
  const checked = await check.text();
  if (check.status !== 200 || Buffer.byteLength(checked) !== Buffer.byteLength(sample.text))
    throw new Error(
      `the bare route for "${name}" answered ${check.status} with ${Buffer.byteLength(checked)} bytes, not the sample's ${Buffer.byteLength(sample.text)}`,
    );
  await cannon(app.base, load, 1);
  await cannon(bare.base, bareLoad, 1);
  const each = Math.max(1, Math.round(SECONDS / ROUNDS));
  const apps: Http[] = [];
  const bares: Http[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    apps.push(await cannon(app.base, load, each));
    bares.push(await cannon(bare.base, bareLoad, each));
  }
  const a = merge(apps, each);
  const b = merge(bares, each);
  if (b.errors > 0) throw new Error(`the bare route for "${name}" answered errors under load: ${JSON.stringify(b.statuses)}`);
  const result = { name, app: a, bare: b, ratio: a.rps / b.rps, bodyBytes: Buffer.byteLength(sample.text) };
  log(
    `  ${name}: ${a.rps.toFixed(0)} req/s (p99 ${a.p99} ms, ${a.errors} errors, statuses ${JSON.stringify(a.statuses)}) vs bare ${b.rps.toFixed(0)} req/s (p99 ${b.p99} ms): ${result.ratio.toFixed(2)}× ` +
      `(rounds: ${apps.map((x, i) => (x.rps / bares[i]!.rps).toFixed(2)).join(', ')})`,
  );
  return result;
}

interface HttpWorld {
  customer: string;
  customerToken: string;
  memberToken: string;
  readCase: string;
  replyCases: string[];
  /** Cases of 20 and of 1 000 events, for the reply that must not grow with history. */
  shortCases: string[];
  longCases: string[];
  directReplyCases: string[];
  openPayments: string[];
  directOpenPayments: string[];
}

async function seedHttpWorld(url: string, now: number): Promise<HttpWorld> {
  const sink = openSink(url);
  try {
    const customer = 'bench_customer';
    await seedUsers(sink, [customer, 'bench_member'], now);
    await seedMerchants(
      sink,
      [
        { id: 'bench_m1', members: ['bench_member'] },
        { id: 'bench_m2', members: [] },
      ],
      now,
    );
    const customerToken = await seedSession(sink, customer, now);
    const memberToken = await seedSession(sink, 'bench_member', now);
    // The merchant's 10 000 cases, one a minute back from now, all open.
    const ids = await seedCases(
      sink,
      0,
      MERCHANT_CASES,
      { customerOf: () => customer, merchantOf: () => 'bench_m1', kindOf: () => 'open', createdAt: (i) => now - (i + 1) * 60_000 },
      now,
    );
    const readCase = ids[0]!;
    await seedReplies(sink, readCase, customer, 19, now);
    const shortCases = ids.slice(4801, 4801 + HISTORY_CASES);
    const longCases = ids.slice(4901, 4901 + HISTORY_CASES);
    for (const id of shortCases) await seedReplies(sink, id, customer, SHORT_HISTORY - 1, now);
    for (const id of longCases) await seedReplies(sink, id, customer, LONG_HISTORY - 1, now);
    const openPayments = await seedPayments(sink, 30_000, customer, 'bench_m2', now);
    const directOpenPayments = await seedPayments(sink, 60_000, customer, 'bench_m2', now);
    return {
      customer,
      customerToken,
      memberToken,
      readCase,
      replyCases: ids.slice(1, 4801),
      shortCases,
      longCases,
      directReplyCases: ids.slice(5001),
      openPayments,
      directOpenPayments,
    };
  } finally {
    await sink.close();
  }
}

async function httpSuite(dialect: 'sqlite' | 'postgres', bare: Server) {
  const db = await freshDb(dialect, 'http');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  try {
    await migrate(db.url);
    const now = Date.now();
    const t0 = Date.now();
    const w = await seedHttpWorld(db.url, now);
    await vacuumAnalyze(db.url);
    log(`  seeded ${MERCHANT_CASES} cases + 90 000 payments in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const app = await startServer('app-server.ts', appEnv(db.url, dataDir), CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []);
    const http: HttpScenario[] = [];
    let writes: { open: DirectResult; reply: DirectResult } | null = null;
    try {
      const c = w.customerToken;
      const readPath = `/api/v1/cases/${w.readCase}`;
      const read = await fetchJson(app.base, 'GET', readPath, c);
      if (read.json.timeline.length !== 20) throw new Error(`expected 20 events, got ${read.json.timeline.length}`);
      if (want('read a case'))
        http.push(await scenario('read a case (20 events)', app, bare, { method: 'GET', path: () => readPath, token: c }, read));

      const openBody = (paymentId: string) =>
        JSON.stringify({ paymentId, issueType: 'item_not_received', description: 'The download link never arrived.' });
      const pool = w.openPayments;
      const opened = await fetchJson(app.base, 'POST', '/api/v1/cases', c, JSON.parse(openBody(pool[0]!)));
      let nextPayment = 1;
      if (want('open a case'))
        http.push(
          await scenario(
            'open a case',
            app,
            bare,
            { method: 'POST', path: () => '/api/v1/cases', body: () => openBody(pool[nextPayment++ % pool.length]!), token: c },
            opened,
          ),
        );

      const replyBody = JSON.stringify({ type: 'respond', message: 'Thanks, I am still waiting for the download link.' });
      const replied = await fetchJson(app.base, 'POST', `/api/v1/cases/${w.replyCases[0]}/actions`, c, JSON.parse(replyBody));
      if (want('reply on a case'))
        http.push(
          await scenario(
            'reply on a case',
            app,
            bare,
            {
              method: 'POST',
              path: (i) => `/api/v1/cases/${w.replyCases[(i + 1) % w.replyCases.length]}/actions`,
              body: () => replyBody,
              token: c,
            },
            replied,
          ),
        );

      // The same reply on cases of 20 and of 1 000 events, answered as the web app asks
      // (`timelineAfter`: only the events after the page's last one), so the answers are the same size.
      for (const [name, cases, seen] of [
        [`history: reply, ${SHORT_HISTORY} events`, w.shortCases, SHORT_HISTORY],
        [`history: reply, ${LONG_HISTORY} events`, w.longCases, LONG_HISTORY],
      ] as const) {
        if (!want(name)) continue;
        const path = (i: number) => `/api/v1/cases/${cases[i % cases.length]}/actions?timelineAfter=${seen}`;
        const sample = await fetchJson(app.base, 'POST', path(0), c, JSON.parse(replyBody));
        http.push(await scenario(name, app, bare, { method: 'POST', path: (i) => path(i + 1), body: () => replyBody, token: c }, sample));
      }

      // What the stack allows, each beside the same kind of bare route: the service's own
      // routes without the database (healthz) and with only the session lookup (me), and a
      // durable one-row insert through Fastify and the service's database layer alone.
      if (want('floor: GET /healthz')) {
        const health = await fetchJson(app.base, 'GET', '/healthz', null);
        http.push(await scenario('floor: GET /healthz', app, bare, { method: 'GET', path: () => '/healthz' }, health));
      }
      if (want('floor: GET /api/v1/me')) {
        const me = await fetchJson(app.base, 'GET', '/api/v1/me', c);
        http.push(await scenario('floor: GET /api/v1/me', app, bare, { method: 'GET', path: () => '/api/v1/me', token: c }, me));
      }
      if (want('floor: one durable insert')) {
        const floor = await startServer('floor-server.ts', { DATABASE_URL: db.url });
        try {
          await fetchJson(floor.base, 'PUT', '/bodies/open', null, opened.json);
          const body = openBody(pool[0]!);
          http.push(
            await scenario(
              'floor: one durable insert',
              floor,
              bare,
              { method: 'POST', path: () => '/floor/open', body: () => body },
              opened,
            ),
          );
        } finally {
          await floor.stop();
        }
      }

      const m = w.memberToken;
      const listPath = `/api/v1/cases?role=merchant&limit=${PAGE}`;
      const first = await fetchJson(app.base, 'GET', listPath, m);
      let cursor: string | null = first.json.nextCursor;
      for (let page = 2; page < DEEP_PAGE && cursor; page++)
        cursor = (await fetchJson(app.base, 'GET', `${listPath}&cursor=${cursor}`, m)).json.nextCursor;
      if (!cursor) throw new Error('the cursor chain ended early');
      const deepPath = `${listPath}&cursor=${cursor}`;
      const deep = await fetchJson(app.base, 'GET', deepPath, m);
      if (want('list: first page'))
        http.push(await scenario('list: first page', app, bare, { method: 'GET', path: () => listPath, token: m }, first));
      if (want(`list: page ${DEEP_PAGE}`))
        http.push(await scenario(`list: page ${DEEP_PAGE}`, app, bare, { method: 'GET', path: () => deepPath, token: m }, deep));
    } finally {
      await app.stop();
    }
    if (ONLY.has('writes')) {
      const openDirect = await direct(db.url, 'open', SECONDS, { caseIds: [], paymentIds: w.directOpenPayments, userId: w.customer });
      const replyDirect = await direct(db.url, 'reply', SECONDS, { caseIds: w.directReplyCases, paymentIds: [], userId: w.customer });
      writes = { open: openDirect, reply: replyDirect };
      log(`  direct SQL: open ${openDirect.perSecond.toFixed(0)}/s, reply ${replyDirect.perSecond.toFixed(0)}/s`);
    }
    return { http, writes };
  } finally {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- deadline sweep

interface Sweep {
  cases: number;
  due: number;
  swept: number;
  seconds: number;
  seedSeconds: number;
  seedCpuSeconds: number;
}

async function sweepSuite(dialect: 'sqlite' | 'postgres', sizes: number[]): Promise<Sweep[]> {
  const db = await freshDb(dialect, 'sweep');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'sweep-'));
  const out: Sweep[] = [];
  try {
    await migrate(db.url);
    const now = Date.now();
    const customers = Array.from({ length: 1000 }, (_, i) => `sweep_c${i}`);
    const merchants = Array.from({ length: 100 }, (_, i) => ({ id: `sweep_m${i}`, members: [] }));
    const people = openSink(db.url);
    await seedUsers(people, customers, now);
    await seedMerchants(people, merchants, now);
    await people.close();
    let have = 0;
    for (const size of sizes) {
      // Grow the same database: 1 000 new cases due, the rest open (due later) or closed.
      const t0 = Date.now();
      const cpu0 = process.cpuUsage();
      const add = size - have;
      const sink = openSink(db.url);
      await sink.withoutIndexes(['payments', 'cases', 'case_events'], async () => {
        await seedCases(
          sink,
          have,
          add,
          {
            customerOf: (i) => customers[i % customers.length]!,
            merchantOf: (i) => merchants[i % merchants.length]!.id,
            kindOf: (i) => (i - have < DUE ? 'due' : i % 2 ? 'open' : 'closed'),
            createdAt: (i) => now - 30 * 86_400_000 + i,
          },
          now,
          50_000,
        );
      });
      await sink.close();
      await vacuumAnalyze(db.url);
      const seedSeconds = (Date.now() - t0) / 1000;
      // On a busy machine wall time says little; the runner's own CPU time is the seeding's cost (SQLite runs in process).
      const used = process.cpuUsage(cpu0);
      const seedCpuSeconds = (used.user + used.system) / 1e6;
      have = size;
      const app = await createApp(loadConfig({ ...appEnv(db.url, dataDir), LOG_LEVEL: 'error' }));
      try {
        const started = performance.now();
        let swept = 0;
        for (let n; (n = await app.services.jobs.sweepDeadlines()) > 0;) swept += n;
        const seconds = (performance.now() - started) / 1000;
        out.push({ cases: size, due: DUE, swept, seconds, seedSeconds, seedCpuSeconds });
        log(
          `  sweep ${size} cases (${DUE} due): ${swept} swept in ${seconds.toFixed(2)} s (seeded +${add} in ${seedSeconds.toFixed(1)} s, ${seedCpuSeconds.toFixed(1)} s CPU)`,
        );
      } finally {
        await app.close();
      }
    }
    return out;
  } finally {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- insights

interface InsightsFigure {
  cases: number;
  windowCases: number;
  /** Median ms of one read: the old route's queries (main at 97d1d1e), the service's, and the service's through HTTP. */
  beforeMs: number;
  afterMs: number;
  httpMs: number;
  runs: { before: number; after: number; http: number };
  seedSeconds: number;
}

const INSIGHTS_WINDOW_CASES = 3000;
const INSIGHTS_WINDOW_PAYMENTS = 50_000;

/** Runs `fn` (after one warm-up run) at least 3 times and until 2 s have passed (at most 30), or once past 20 s; the median ms. */
async function timed(fn: () => Promise<unknown>, warm = true): Promise<{ ms: number; runs: number }> {
  if (warm) await fn();
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const spent = performance.now() - start;
    if ((times.length >= 3 && spent >= 2000) || times.length >= 30 || spent >= 20_000) break;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/**
 * One merchant's cases grown in place, 10 000 then 1 000 000 by default: the same 3 000
 * cases and 50 000 payments in the last 90 days at every size, the rest history (one case
 * a minute further back). Half the cases have a merchant reply; one in 200 a chargeback.
 */
async function insightsSuite(dialect: 'sqlite' | 'postgres', sizes: number[]): Promise<InsightsFigure[]> {
  const db = await freshDb(dialect, 'insights');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'insights-'));
  const out: InsightsFigure[] = [];
  const merchant = 'ins_m';
  try {
    await migrate(db.url);
    const now = Date.now();
    const customers = Array.from({ length: 100 }, (_, i) => `ins_c${i}`);
    const people = openSink(db.url);
    await seedUsers(people, [...customers, 'ins_member'], now);
    await seedMerchants(people, [{ id: merchant, members: ['ins_member'] }], now);
    const token = await seedSession(people, 'ins_member', now);
    await seedPayments(
      people,
      INSIGHTS_WINDOW_PAYMENTS,
      customers[0]!,
      merchant,
      now,
      20_000,
      (i) => now - ((i + 1) * 90 * 86_400_000) / (INSIGHTS_WINDOW_PAYMENTS + 1),
    );
    await people.close();
    const createdAt = (i: number) =>
      i < INSIGHTS_WINDOW_CASES
        ? now - ((i + 1) * 89 * 86_400_000) / INSIGHTS_WINDOW_CASES
        : now - 91 * 86_400_000 - (i - INSIGHTS_WINDOW_CASES) * 60_000;
    let have = 0;
    for (const size of sizes) {
      const t0 = Date.now();
      const sink = openSink(db.url);
      const paymentIds: string[] = [];
      await sink.withoutIndexes(['payments', 'cases', 'case_events', 'disputes'], async () => {
        await seedCases(
          sink,
          have,
          size - have,
          {
            customerOf: (i) => customers[i % customers.length]!,
            merchantOf: () => merchant,
            // History is closed; a third of the window's cases are still open.
            kindOf: (i) => (i < INSIGHTS_WINDOW_CASES && i % 3 === 0 ? 'open' : 'closed'),
            createdAt,
            paidAt: (i) => createdAt(i) - 3_600_000,
            merchantReplyAfter: (i) => (i % 2 ? null : 3_600_000 + (i % 7) * 600_000),
            paymentIds,
          },
          now,
          50_000,
        );
        await seedDisputes(
          sink,
          paymentIds.flatMap((paymentId, k) =>
            (have + k) % 200 === 0
              ? [{ paymentId, merchantId: merchant, stage: 'chargeback', status: 'open', at: createdAt(have + k) + 86_400_000 }]
              : [],
          ),
        );
      });
      await sink.close();
      await vacuumAnalyze(db.url);
      const seedSeconds = (Date.now() - t0) / 1000;
      have = size;
      const app = await createApp(loadConfig({ ...appEnv(db.url, dataDir), LOG_LEVEL: 'error' }));
      try {
        const service = new Insights(app.services.db);
        const m = { id: merchant, name: `Merchant ${merchant}` };
        const sample = await service.merchant(m, '90d', Date.now());
        if (sample.cases !== INSIGHTS_WINDOW_CASES)
          throw new Error(`expected ${INSIGHTS_WINDOW_CASES} cases in 90 days, got ${sample.cases}`);
        // The new read first: the old one reads every page of the merchant's history.
        const after = await timed(() => service.merchant(m, '90d', Date.now()));
        const http = await timed(async () => {
          const r = await app.server.inject({
            method: 'GET',
            url: `/api/v1/merchants/${merchant}/insights?window=90d`,
            headers: { authorization: `Bearer ${token}` },
          });
          if (r.statusCode !== 200) throw new Error(`insights answered ${r.statusCode}: ${r.body}`);
        });
        const before = await timed(() => insightsBefore(app.services.db, merchant, Date.now()), false);
        const fig = {
          cases: size,
          windowCases: sample.cases,
          beforeMs: before.ms,
          afterMs: after.ms,
          httpMs: http.ms,
          runs: { before: before.runs, after: after.runs, http: http.runs },
          seedSeconds,
        };
        out.push(fig);
        log(
          `  insights, ${size} cases (${sample.cases} in 90 days): before ${before.ms.toFixed(1)} ms, after ${after.ms.toFixed(1)} ms, through HTTP ${http.ms.toFixed(1)} ms (seeded in ${seedSeconds.toFixed(1)} s)`,
        );
      } finally {
        await app.close();
      }
    }
    return out;
  } finally {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- upload memory

async function uploadSuite(): Promise<{ growthMiB: number; limitMiB: number } | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'upload-memory.ts')], {
    // The upload figure is the embedded default's: local disk, SQLite.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    process.stderr.write(`  ${d.toString().trimEnd().replaceAll('\n', '\n  ')}\n`);
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const m = /^RESULT (.*)$/m.exec(out);
  return m ? (JSON.parse(m[1]!) as { growthMiB: number; limitMiB: number }) : null;
}

// ---------------------------------------------------------------- report

const f = (n: number, d = 0) => n.toFixed(d);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main() {
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      load: os.loadavg(),
    },
    settings: { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, warmupSeconds: 1, pageSize: PAGE, deepPage: DEEP_PAGE },
    databases: {},
  };
  const lines: string[] = [];
  const targets: { target: string; db: string; value: string; met: boolean }[] = [];
  const bare = ONLY.has('http') ? await startServer('bare-server.ts', {}) : null;
  try {
    for (const dialect of DIALECTS) {
      log(`\n== ${dialect}`);
      const entry: Record<string, unknown> = {};
      (results.databases as Record<string, unknown>)[dialect] = entry;
      if (bare) {
        const { http, writes } = await httpSuite(dialect, bare);
        entry.http = http;
        entry.writes = writes;
        const rows = [
          ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'bare req/s', 'ratio', 'body B', 'direct SQL tx/s', 'HTTP/direct'],
        ];
        for (const s of http) {
          const d = s.name === 'open a case' ? writes?.open : s.name === 'reply on a case' ? writes?.reply : undefined;
          rows.push([
            s.name,
            f(s.app.rps),
            f(s.app.p50),
            f(s.app.p99),
            String(s.app.errors),
            f(s.bare.rps),
            f(s.ratio, 2),
            String(s.bodyBytes),
            d ? f(d.perSecond) : '',
            d ? f(s.app.rps / d.perSecond, 2) : '',
          ]);
          const floor = s.name.startsWith('read') ? 0.5 : s.name.startsWith('open') || s.name.startsWith('reply') ? 0.15 : null;
          if (floor !== null) {
            targets.push({ target: `${s.name} ≥ ${floor} × bare`, db: dialect, value: f(s.ratio, 2), met: s.ratio >= floor });
            targets.push({ target: `${s.name} p99 ≤ 50 ms`, db: dialect, value: `${s.app.p99} ms`, met: s.app.p99 <= 50 });
            targets.push({ target: `${s.name} no errors`, db: dialect, value: String(s.app.errors), met: s.app.errors === 0 });
          }
        }
        const first = http.find((s) => s.name === 'list: first page');
        const deep = http.find((s) => s.name.startsWith('list: page'));
        if (first && deep) {
          // Both bare bodies are the same size, so each page's ratio to its bare route takes
          // out the machine's load, which moves between the two scenarios' measurements.
          const r = first.ratio / deep.ratio;
          entry.deepPageSlowdown = r;
          entry.deepPageSlowdownRaw = first.app.rps / deep.app.rps;
          targets.push({
            target: 'deep page ≤ 1.5 × first page (time, each vs its bare)',
            db: dialect,
            value: `${f(r, 2)}× (raw ${f(first.app.rps / deep.app.rps, 2)}×)`,
            met: r <= 1.5,
          });
        }
        const short = http.find((s) => s.name === `history: reply, ${SHORT_HISTORY} events`);
        const long = http.find((s) => s.name === `history: reply, ${LONG_HISTORY} events`);
        if (short && long) {
          // As for the deep page: each against its bare route, which takes out the load between the two.
          const r = short.ratio / long.ratio;
          entry.historySlowdown = r;
          targets.push({
            target: `reply on ${LONG_HISTORY} events ≤ 1.5 × reply on ${SHORT_HISTORY} (time, each vs its bare)`,
            db: dialect,
            value: `${f(r, 2)}× (raw ${f(short.app.rps / long.app.rps, 2)}×)`,
            met: r <= 1.5,
          });
        }
        lines.push(`${dialect}: HTTP (${CONNECTIONS} connections, ${SECONDS} s each)`, table(rows), '');
      }
      if (ONLY.has('insights')) {
        const figs = await insightsSuite(dialect, INSIGHTS_SIZES);
        entry.insights = figs;
        const base = figs[0];
        lines.push(
          `${dialect}: merchant insights (90-day window, ${INSIGHTS_WINDOW_CASES} cases in it), median ms`,
          table([
            ['cases', 'before ms', 'after ms', 'after via HTTP ms', 'after × smallest', 'before × smallest'],
            ...figs.map((x) => [
              String(x.cases),
              f(x.beforeMs, 1),
              f(x.afterMs, 1),
              f(x.httpMs, 1),
              base ? f(x.afterMs / base.afterMs, 2) : '',
              base ? f(x.beforeMs / base.beforeMs, 2) : '',
            ]),
          ]),
          '',
        );
        const last = figs.at(-1);
        if (base && last && last !== base)
          targets.push({
            target: `insights of ${last.cases} ≤ 1.5 × insights of ${base.cases}`,
            db: dialect,
            value: `${f(last.afterMs / base.afterMs, 2)}× (HTTP ${f(last.httpMs / base.httpMs, 2)}×)`,
            met: last.afterMs / base.afterMs <= 1.5,
          });
      }
      if (ONLY.has('sweep')) {
        const sweeps = await sweepSuite(dialect, dialect === 'postgres' ? PG_SIZES : SIZES);
        entry.sweep = sweeps;
        const base = sweeps[0];
        lines.push(
          `${dialect}: deadline sweep (${DUE} due)`,
          table([
            ['cases', 'swept', 'seconds', 'cases/s', '× smallest', 'seeding s', 'seeding CPU s'],
            ...sweeps.map((s) => [
              String(s.cases),
              String(s.swept),
              f(s.seconds, 2),
              f(s.swept / s.seconds),
              base ? f(s.seconds / base.seconds, 2) : '',
              f(s.seedSeconds, 1),
              f(s.seedCpuSeconds, 1),
            ]),
          ]),
          '',
        );
        const last = sweeps.at(-1);
        if (base && last && last !== base)
          targets.push({
            target: `sweep of ${last.cases} ≤ 2 × sweep of ${base.cases}`,
            db: dialect,
            value: `${f(last.seconds / base.seconds, 2)}×`,
            met: last.seconds / base.seconds <= 2 && last.swept === DUE,
          });
      }
    }
  } finally {
    await bare?.stop();
  }
  if (ONLY.has('upload')) {
    log('\n== upload (100 MiB, local disk)');
    const upload = await uploadSuite();
    results.upload = upload;
    if (upload) {
      lines.push(`upload: 100 MiB grows server RSS by ${f(upload.growthMiB, 1)} MiB (limit ${upload.limitMiB})`, '');
      targets.push({
        target: '100 MiB upload RSS growth < 32 MiB',
        db: 'sqlite',
        value: `${f(upload.growthMiB, 1)} MiB`,
        met: upload.growthMiB < 32,
      });
    }
  }
  results.targets = targets;
  lines.push(
    'targets',
    table([['target', 'db', 'measured', 'met'], ...targets.map((t) => [t.target, t.db, t.value, t.met ? 'yes' : 'NO'])]),
  );
  console.log(`\n${lines.join('\n')}`);
  // A partial run (some sections, scenarios or one database) must not replace the full record.
  const partial = args.includes('--only') || args.includes('--scenario') || args.includes('--db') || CPU_PROF !== '';
  const file = partial ? 'results.partial.json' : 'results.json';
  fs.writeFileSync(path.join(import.meta.dirname, file), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/${file}`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
