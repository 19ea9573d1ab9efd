/**
 * Webhooks (SPEC §8): a real receiver on loopback verifies every signature,
 * sees retries after 500s with the same event, and each attempt lands in the
 * endpoint's delivery log; a 4xx is permanent and the row is dead.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, T0 } from './support/harness.js';
import { useWorld } from './support/world.js';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

const SECRET = 'whsec_test_0123456789abcdef';
let receiver: http.Server;
let base: string;
const hits: Hit[] = [];
const everything: Hit[] = [];
/** Statuses to answer, in order, per path; 200 when empty. */
const answers = new Map<string, number[]>();

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hit = { path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) };
      hits.push(hit);
      everything.push(hit);
      res.statusCode = answers.get(req.url ?? '')?.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
const { t, w } = useWorld();

const put = (id: string, body: Record<string, unknown>) =>
  t.api('PUT', `/api/v1/platform/webhook-endpoints/${id}`, { token: PLATFORM_KEY, body });
const deliveries = async (id: string) =>
  (await t.api('GET', `/api/v1/platform/webhook-endpoints/${id}/deliveries`, { token: PLATFORM_KEY })).body;
const ALL = ['case.created', 'case.updated', 'case.decided', 'case.closed'];

function verify(hit: Hit, secret = SECRET): number {
  const header = String(hit.headers['rc-signature']);
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  expect(m, header).not.toBeNull();
  const [, ts, v1] = m as RegExpExecArray;
  const expected = crypto.createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex');
  expect(crypto.timingSafeEqual(Buffer.from(v1 as string), Buffer.from(expected))).toBe(true);
  return Number(ts);
}

/** The requests received on `path` since the last take. */
function take(path: string): Hit[] {
  const mine = hits.filter((h) => h.path === path);
  for (const h of mine) hits.splice(hits.indexOf(h), 1);
  return mine;
}

async function drain(path: string): Promise<Hit[]> {
  await w.advance('PT0S');
  return take(path);
}

describe('webhooks', () => {
  it('registers an endpoint and refuses bad ones', async () => {
    const r = await put('wh_main', { url: `${base}/main`, secret: SECRET, events: ALL, enabled: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'wh_main', url: `${base}/main`, events: ALL, enabled: true, created: true });
    expect(r.body.secret).toBeUndefined();
    expect((await put('wh_bad', { url: 'ftp://x.example/', secret: SECRET, events: ALL })).status).toBe(400);
    expect((await put('wh_bad', { url: `${base}/x`, secret: 'short', events: ALL })).status).toBe(400);
    expect((await put('wh_bad', { url: `${base}/x`, secret: SECRET, events: ['case.nope'] })).status).toBe(400);
    const missing = await t.api('GET', '/api/v1/platform/webhook-endpoints/wh_none/deliveries', { token: PLATFORM_KEY });
    expect(missing.status).toBe(404);
  });

  it('POSTs case.created signed, with the platform’s view of the case and a unique event id', async () => {
    const c = await w.openCase();
    const [hit, ...more] = await drain('/main');
    expect(more).toEqual([]);
    if (!hit) throw new Error('no delivery');
    // Signed with the real time (here the harness's pinned T0), not the movable clock (SPEC §14).
    expect(verify(hit)).toBe(Math.floor(T0 / 1000));
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.json).toMatchObject({ type: 'case.created', data: { case: { id: c.id, status: 'merchant_response_needed' } } });
    expect(hit.json.id).toMatch(/^whevt_/);
    expect(hit.headers['rc-event-id']).toBe(hit.json.id);
    const view = (await t.api('GET', `/api/v1/platform/cases/${c.id}`, { token: PLATFORM_KEY })).body;
    const { timeline, ...withoutTimeline } = view;
    expect(timeline.length).toBeGreaterThan(0);
    expect(hit.json.data).toEqual({ case: withoutTimeline, previous: null });
  });

  it('retries after 500s with the same event and body, each attempt in the delivery log', async () => {
    const c = await w.openCase();
    await drain('/main');
    answers.set('/main', [500, 503]);
    await w.act(w.tokens.merchant, c.id, { type: 'respond', message: 'On it.' });
    const first = await drain('/main');
    expect(first).toHaveLength(1);
    // Backoff: 10 s then 20 s, ±20%.
    expect(await drain('/main')).toEqual([]);
    await w.advance('PT13S');
    const second = take('/main');
    expect(second).toHaveLength(1);
    await w.advance('PT25S');
    const third = take('/main');
    expect(third).toHaveLength(1);
    const all = [...first, ...second, ...third];
    for (const h of all) verify(h);
    expect(new Set(all.map((h) => h.json.id)).size).toBe(1);
    expect(new Set(all.map((h) => h.body)).size).toBe(1);
    expect(all[0]?.json.type).toBe('case.updated');
    const log = await deliveries('wh_main');
    expect(log.data.slice(0, 3).map((d: any) => [d.attempt, d.statusCode, d.error])).toEqual([
      [3, 200, null],
      [2, 503, 'HTTP 503'],
      [1, 500, 'HTTP 500'],
    ]);
    expect(log.data[0]).toMatchObject({ eventId: all[0]?.json.id, eventType: 'case.updated', caseId: c.id });
  });

  it('sends case.decided and case.closed, only to endpoints subscribed, and nothing for a note', async () => {
    expect((await put('wh_closed', { url: `${base}/closed`, secret: SECRET, events: ['case.closed'] })).status).toBe(200);
    expect((await put('wh_off', { url: `${base}/off`, secret: SECRET, events: ALL, enabled: false })).status).toBe(200);
    const a = await w.openCase();
    await w.act(w.tokens.merchant, a.id, { type: 'deny', message: 'No.' });
    await w.act(w.tokens.customer, a.id, { type: 'escalate' });
    await drain('/main');
    await w.act(w.tokens.staff, a.id, { type: 'note', message: 'internal only' });
    expect(await drain('/main')).toEqual([]);
    await w.act(w.tokens.staff, a.id, { type: 'decide', outcome: 'merchant_wins', message: 'Delivered.' });
    expect((await drain('/main')).map((h) => h.json.type)).toEqual(['case.decided']);
    const b = await w.openCase();
    await w.act(w.tokens.customer, b.id, { type: 'withdraw' });
    expect((await drain('/main')).map((h) => h.json.type)).toEqual(['case.created', 'case.closed']);
    const closed = await drain('/closed');
    expect(closed.map((h) => [h.json.type, h.json.data.case.id])).toEqual([['case.closed', b.id]]);
    expect(take('/off')).toEqual([]);
    expect(JSON.stringify(everything)).not.toContain('internal only');
  });

  it('gives up at once on a 4xx: the row is dead and listed for the platform', async () => {
    expect((await put('wh_gone', { url: `${base}/gone`, secret: SECRET, events: ['case.created'] })).status).toBe(200);
    answers.set('/gone', [410]);
    const c = await w.openCase();
    expect(await drain('/gone')).toHaveLength(1);
    const dead = await t.api('GET', '/api/v1/platform/outbox?status=dead', { token: PLATFORM_KEY });
    expect(dead.status).toBe(200);
    expect(dead.body.data).toEqual([
      expect.objectContaining({ kind: 'webhook', caseId: c.id, status: 'dead', attempts: 1, lastError: 'HTTP 410' }),
    ]);
    await w.advance('PT2H');
    expect(take('/gone')).toEqual([]);
    await put('wh_gone', { url: `${base}/gone`, secret: SECRET, events: ['case.created'], enabled: false });
  });

  it('retries a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect((await put('wh_down', { url: `http://127.0.0.1:${port}/x`, secret: SECRET, events: ['case.created'] })).status).toBe(200);
    await w.openCase();
    await w.advance('PT0S');
    const log = await deliveries('wh_down');
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({ attempt: 1, statusCode: null });
    // Generic words, never the network's error text (SPEC §15: the log is no port-scan oracle).
    expect(log.data[0].error).toBe('Could not connect to the endpoint');
    const pending = await t.api('GET', '/api/v1/platform/outbox?status=pending&kind=webhook', { token: PLATFORM_KEY });
    expect(pending.body.data.map((r: any) => r.attempts)).toEqual([1]);
  });
});
