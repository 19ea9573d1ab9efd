/**
 * Load through HTTP (autocannon) and the comparison every HTTP scenario is: the service beside the
 * bare baseline (bare-server.ts) answering a stored body of the same size.
 */
import autocannon from 'autocannon';
import { CONNECTIONS, SECONDS, log } from './options.js';
import type { Server } from './servers.js';

export interface Http {
  rps: number;
  p99: number;
  p50: number;
  errors: number;
  total: number;
  /** Answers by status code, so errors can be told apart. */
  statuses: Record<string, number>;
}

export interface Load {
  method: 'GET' | 'POST';
  path: (i: number) => string;
  body?: (i: number) => string;
  token?: string;
}

export async function cannon(base: string, load: Load, seconds: number): Promise<Http> {
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

export async function fetchJson(base: string, method: string, p: string, token: string | null, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return { text, json: JSON.parse(text) };
}

export interface HttpScenario {
  name: string;
  app: Http;
  bare: Http;
  ratio: number;
  bodyBytes: number;
}

export const ROUNDS = 3;

/** Sums rounds into one figure: requests over time; p50 and p99 the worst round's. */
export function merge(parts: Http[], seconds: number): Http {
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
export async function scenario(
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
