/** The HTTP section: a merchant's 10 000 cases seeded, then read, open, reply, history, floor and list scenarios, and the direct-SQL writes. */
import fs from 'node:fs';
import path from 'node:path';
import { type DirectResult, direct } from './direct.js';
import { freshDb, migrate, vacuumAnalyze } from './databases.js';
import { type HttpScenario, fetchJson, scenario } from './load.js';
import {
  CPU_PROF,
  DEEP_PAGE,
  type Dialect,
  HISTORY_CASES,
  LONG_HISTORY,
  MERCHANT_CASES,
  ONLY,
  PAGE,
  SECONDS,
  SHORT_HISTORY,
  log,
  tmp,
  want,
} from './options.js';
import { openSink, seedCases, seedMerchants, seedPayments, seedReplies, seedSession, seedUsers } from './seed.js';
import { type Server, appEnv, startServer } from './servers.js';

export interface HttpWorld {
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

export async function seedHttpWorld(url: string, now: number): Promise<HttpWorld> {
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

export async function httpSuite(dialect: Dialect, bare: Server) {
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
