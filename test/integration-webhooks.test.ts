/**
 * SPEC §14 webhooks you can manage: endpoint list/get/delete, secret rotation with
 * overlap, the test ping, retrying dead deliveries, the events API, `data.previous`,
 * and signatures with the real time. A real receiver on loopback checks every signature.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, postgresUrl } from './support/harness.js';
import { useWorld } from './support/world.js';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

const SECRET = 'whsec_first_0123456789';
const NEXT = 'whsec_second_0123456789';
let receiver: http.Server;
let base: string;
let hits: Hit[] = [];
/** The real time the service sees: moved by these tests, apart from the movable clock. */
let real = T0;
const answers = new Map<string, number[]>();

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) });
      res.statusCode = answers.get(req.url ?? '')?.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
const { t, w } = useWorld({ parts: { baseNow: () => real } });

const platform = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/platform${path}`, { token: w.platform, body });

/** The `v1` signatures of a hit that `secret` verifies, and its `t`. */
function signedWith(hit: Hit, secret: string): { t: number; matches: boolean; count: number } {
  const header = String(hit.headers['rc-signature']);
  const parts = header.split(',');
  const ts = Number(parts[0]?.replace(/^t=/, ''));
  const v1s = parts.slice(1).map((p) => p.replace(/^v1=/, ''));
  const expected = crypto.createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex');
  return { t: ts, matches: v1s.includes(expected), count: v1s.length };
}

async function drain(path: string): Promise<Hit[]> {
  await w.advance('PT0S');
  const mine = hits.filter((h) => h.path === path);
  hits = hits.filter((h) => h.path !== path);
  return mine;
}

describe('events API', () => {
  it('keeps every event, even with no endpoint at all, with what changed', async () => {
    const c = await w.openCase();
    await w.act(w.tokens.merchant, c.id, { type: 'respond', message: 'We are looking at it.' });
    const r = await platform('GET', '/events');
    expect(r.status).toBe(200);
    const mine = r.body.data.filter((e: any) => e.data.case.id === c.id);
    expect(mine.map((e: any) => e.type)).toEqual(['case.created', 'case.updated']);
    const [created, updated] = mine;
    expect(created.id).toMatch(/^whevt_/);
    expect(created.data.previous).toBeNull();
    expect(created.data.case.timeline).toBeUndefined();
    expect(updated.data.previous).toEqual({ status: 'merchant_response_needed', version: created.data.case.version });
    expect(updated.data.case.version).toBe(created.data.case.version + 1);
    expect(updated.data.case.status).toBe(updated.data.case.status);
  });

  it('pages oldest first after an event id, filters by type, refuses an unknown id, forgets after 30 days', async () => {
    for (let i = 0; i < 3; i++) await w.openCase();
    const every = (await platform('GET', '/events?limit=100')).body.data as any[];
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await platform('GET', `/events?limit=2${after ? `&after=${after}` : ''}`)).body;
      seen.push(...page.data.map((e: any) => e.id));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(seen).toEqual(every.map((e) => e.id));
    const created = (await platform('GET', '/events?type=case.created&limit=100')).body.data as any[];
    expect(created.length).toBe(every.filter((e) => e.type === 'case.created').length);
    expect(created.every((e) => e.type === 'case.created')).toBe(true);
    const unknown = await platform('GET', '/events?after=whevt_nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    await w.advance('P31D');
    // The deadlines that passed meanwhile are new events; the month-old ones are gone.
    const later = (await platform('GET', '/events?limit=100')).body.data as any[];
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((e) => every.some((o) => o.id === e.id))).toEqual([]);
  });

  it('a reader paging while changes commit at once misses none and sees none twice', async () => {
    const cases = await Promise.all(Array.from({ length: 8 }, () => w.openCase()));
    const start = (await platform('GET', '/events?limit=100')).body.data as any[];
    let after: string = start.at(-1).id;
    const seen: string[] = [];
    const poll = async () => {
      for (;;) {
        const page = (await platform('GET', `/events?limit=100&after=${after}`)).body.data as any[];
        if (page.length === 0) return;
        seen.push(...page.map((e) => e.id));
        after = page.at(-1).id;
      }
    };
    let writing = true;
    const writes = Promise.all(
      cases.flatMap((c) =>
        Array.from({ length: 4 }, (_, i) => w.act(w.tokens.customer, c.id, { type: 'respond', message: `Still waiting (${i}).` })),
      ),
    ).finally(() => (writing = false));
    const reader = (async () => {
      while (writing) await poll();
    })();
    const answers = await writes;
    await reader;
    await poll();
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const all: string[] = [];
    for (let cursor: string | null = start.at(-1).id; cursor;) {
      const page: any = (await platform('GET', `/events?limit=100&after=${cursor}`)).body;
      all.push(...page.data.map((e: any) => e.id));
      cursor = page.nextCursor;
    }
    expect(all).toHaveLength(32);
    expect(seen).toEqual(all);
  });

  it.skipIf(!postgresUrl())('an event that commits after a later one is listed after it, not skipped (PostgreSQL)', async () => {
    const c = await w.openCase();
    const page = async (after: string) => {
      const r = await platform('GET', `/events?limit=100&after=${after}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.data as any[];
    };
    const before = (await platform('GET', '/events?limit=100')).body.data.at(-1);
    const start = before.id as string;
    // A change of another instance, its event inserted first and committed last.
    const late = new pg.Client({ connectionString: t.app.services.config.databaseUrl });
    await late.connect();
    try {
      await late.query('begin');
      const at = t.app.services.clock.now().toISOString();
      const body = JSON.stringify({ ...before, id: 'whevt_late', type: 'case.updated', createdAt: at });
      await late.query('insert into webhook_events (id, type, case_id, body, created_at) values ($1, $2, $3, $4, $5)', [
        'whevt_late',
        'case.updated',
        c.id,
        body,
        at,
      ]);
      expect((await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'Any news?' })).status).toBe(200);
      const first = await page(start);
      expect(first.map((e) => e.type)).toEqual(['case.updated']);
      await late.query('commit');
      expect((await page(first[0].id)).map((e) => e.id)).toEqual(['whevt_late']);
    } finally {
      await late.end();
    }
  });
});

describe('managed endpoints', () => {
  it('lists, reads and deletes endpoints, never showing a secret', async () => {
    for (const id of ['wh_b', 'wh_a'])
      expect(
        (await platform('PUT', `/webhook-endpoints/${id}`, { url: `${base}/${id}`, secret: SECRET, events: ['case.created'] })).status,
      ).toBe(200);
    const list = await platform('GET', '/webhook-endpoints');
    expect(list.body.data.map((e: any) => e.id)).toEqual(['wh_a', 'wh_b']);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    const one = await platform('GET', '/webhook-endpoints/wh_a');
    expect(one.body).toMatchObject({ id: 'wh_a', url: `${base}/wh_a`, enabled: true, previousSecretExpiresAt: null });
    expect((await platform('DELETE', '/webhook-endpoints/wh_b')).status).toBe(204);
    expect((await platform('GET', '/webhook-endpoints/wh_b')).status).toBe(404);
    expect((await platform('DELETE', '/webhook-endpoints/wh_b')).status).toBe(404);
    expect((await platform('DELETE', '/webhook-endpoints/wh_a')).status).toBe(204);
    await w.openCase();
    expect(await drain('/wh_a')).toEqual([]);
  });

  it('signs with the real time, however far the movable clock has gone', async () => {
    await platform('PUT', '/webhook-endpoints/wh_time', { url: `${base}/time`, secret: SECRET, events: ['case.created'] });
    await w.advance('P20D');
    real += 5000;
    await w.openCase();
    const [hit] = await drain('/time');
    if (!hit) throw new Error('no delivery');
    const sig = signedWith(hit, SECRET);
    expect(sig.matches).toBe(true);
    expect(sig.t).toBe(Math.floor(real / 1000));
    expect(Date.parse(hit.json.createdAt)).toBeGreaterThan(real + 19 * 86_400_000);
    await platform('DELETE', '/webhook-endpoints/wh_time');
  });

  it('rotates the secret: both signatures during the overlap, only the new one after', async () => {
    await platform('PUT', '/webhook-endpoints/wh_rot', { url: `${base}/rot`, secret: SECRET, events: ['case.created'] });
    for (const overlap of ['P2D', 'PT25H', 'soon', 'P'])
      expect((await platform('POST', '/webhook-endpoints/wh_rot/rotate-secret', { secret: NEXT, overlap })).status, overlap).toBe(400);
    const rotated = await platform('POST', '/webhook-endpoints/wh_rot/rotate-secret', { secret: NEXT, overlap: 'PT1H' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousSecretExpiresAt).toBe(new Date(real + 3_600_000).toISOString());
    await w.openCase();
    const [during] = await drain('/rot');
    if (!during) throw new Error('no delivery');
    expect(signedWith(during, NEXT)).toMatchObject({ matches: true, count: 2 });
    expect(signedWith(during, SECRET)).toMatchObject({ matches: true, count: 2 });
    expect(String(during.headers['rc-signature'])).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    real += 3_600_000;
    await w.openCase();
    const [after] = await drain('/rot');
    if (!after) throw new Error('no delivery');
    expect(signedWith(after, NEXT)).toMatchObject({ matches: true, count: 1 });
    expect(signedWith(after, SECRET).matches).toBe(false);
  });

  it('sends a signed test ping, also to a disabled endpoint', async () => {
    await platform('PUT', '/webhook-endpoints/wh_ping', { url: `${base}/ping`, secret: SECRET, events: ['case.created'], enabled: false });
    const r = await platform('POST', '/webhook-endpoints/wh_ping/test');
    expect(r.status).toBe(202);
    const [hit, ...more] = await drain('/ping');
    expect(more).toEqual([]);
    if (!hit) throw new Error('no ping');
    expect(signedWith(hit, SECRET).matches).toBe(true);
    expect(hit.json).toEqual({ id: r.body.eventId, type: 'ping', createdAt: expect.any(String), data: { endpointId: 'wh_ping' } });
    expect(hit.headers['rc-event-id']).toBe(r.body.eventId);
    expect((await platform('POST', '/webhook-endpoints/wh_none/test')).status).toBe(404);
  });

  it('retries a dead delivery once asked, and only a dead one', async () => {
    await platform('PUT', '/webhook-endpoints/wh_dead', { url: `${base}/dead`, secret: SECRET, events: ['case.created'] });
    answers.set('/dead', [400]);
    const c = await w.openCase();
    expect(await drain('/dead')).toHaveLength(1);
    const log = (await platform('GET', '/webhook-endpoints/wh_dead/deliveries')).body.data;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'dead', statusCode: 400, caseId: c.id, eventType: 'case.created' });
    // Moving on does not send it again: a 4xx is final.
    await w.advance('P1D');
    expect(await drain('/dead')).toEqual([]);
    const retried = await platform('POST', `/webhook-deliveries/${log[0].deliveryId}/retry`);
    expect(retried.status).toBe(202);
    const again = await platform('POST', `/webhook-deliveries/${log[0].deliveryId}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('delivery_not_dead');
    const [hit] = await drain('/dead');
    expect(hit?.json.data.case.id).toBe(c.id);
    const after = (await platform('GET', '/webhook-endpoints/wh_dead/deliveries')).body.data;
    expect(after.map((d: any) => [d.statusCode, d.status])).toEqual([
      [200, 'succeeded'],
      [400, 'succeeded'],
    ]);
    expect((await platform('POST', `/webhook-deliveries/${after[0].deliveryId}/retry`)).status).toBe(409);
    expect((await platform('POST', '/webhook-deliveries/99999999/retry')).status).toBe(404);
  });
});
