/**
 * Sessions and the movable clock are kept in memory (issue 20); every change to what a
 * kept session says takes effect on the very next request, on every instance.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { type Api, type TestApp, T0, makeApi, postgresUrl, refusedAfter, startApp } from './support/harness.js';
import { type World, makeWorld, useWorld } from './support/world.js';

const PASSWORD = 'correct horse battery staple';

describe('a session kept in memory', () => {
  const { t, w } = useWorld();
  let n = 0;

  /** A new person with a session that has been used (so it is kept). */
  async function person(over: Record<string, unknown> = {}) {
    const id = `p${++n}`;
    const body = { email: `${id}@test.example`, name: `Person ${n}`, password: PASSWORD, timeZone: 'UTC', ...over };
    expect((await t.api('PUT', `/api/v1/platform/users/${id}`, { token: w.platform, body })).status).toBe(200);
    const login = await t.api('POST', '/api/v1/session', { body: { email: body.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    expect((await t.api('GET', '/api/v1/me', { token })).status).toBe(200);
    return { id, token, body };
  }

  const me = (token: string) => t.api('GET', '/api/v1/me', { token });

  it('is refused right after logout', async () => {
    const p = await person();
    expect((await t.api('DELETE', '/api/v1/session', { token: p.token })).status).toBe(204);
    expect((await me(p.token)).status).toBe(401);
  });

  it('is refused right after a password change, disabling, ending all sessions or erasure', async () => {
    const changed = await person();
    await t.api('PUT', `/api/v1/platform/users/${changed.id}`, {
      token: w.platform,
      body: { ...changed.body, password: 'another long password' },
    });
    expect((await me(changed.token)).status).toBe(401);

    const disabled = await person();
    await t.api('PUT', `/api/v1/platform/users/${disabled.id}`, { token: w.platform, body: { ...disabled.body, disabled: true } });
    expect((await me(disabled.token)).status).toBe(401);

    const ended = await person();
    expect((await t.api('DELETE', `/api/v1/platform/users/${ended.id}/sessions`, { token: w.platform })).status).toBe(204);
    expect((await me(ended.token)).status).toBe(401);

    const erased = await person();
    expect((await t.api('DELETE', `/api/v1/platform/users/${erased.id}`, { token: w.platform })).status).toBeLessThan(300);
    expect((await me(erased.token)).status).toBe(401);
  });

  it('shows a new name, time zone and memberships right away', async () => {
    const p = await person();
    await t.api('PUT', `/api/v1/platform/users/${p.id}`, {
      token: w.platform,
      body: { ...p.body, name: 'Renamed', timeZone: 'Asia/Tokyo' },
    });
    const renamed = (await me(p.token)).body.user;
    expect(renamed.name).toBe('Renamed');
    expect(renamed.timeZone).toBe('Asia/Tokyo');

    const shop = { name: 'Kept Shop', supportEmail: 'kept@shop.example' };
    await t.api('PUT', '/api/v1/platform/merchants/kept', { token: w.platform, body: { ...shop, memberIds: [p.id] } });
    expect((await me(p.token)).body.merchants.map((m: { id: string }) => m.id)).toEqual(['kept']);
    await t.api('PUT', '/api/v1/platform/merchants/kept', { token: w.platform, body: { ...shop, memberIds: [] } });
    expect((await me(p.token)).body.merchants).toEqual([]);
  });

  it('expires when the movable clock passes its end', async () => {
    const short = await startApp({ SESSION_TTL: 'PT1H' });
    try {
      const sw = await makeWorld(short.api);
      expect((await short.api('GET', '/api/v1/me', { token: sw.tokens.customer })).status).toBe(200);
      await sw.advance('PT2H');
      expect((await short.api('GET', '/api/v1/me', { token: sw.tokens.customer })).status).toBe(401);
    } finally {
      await short.close();
    }
  });
});

/** Two instances, each with its own pool and listener, on one PostgreSQL database. */
describe.skipIf(!postgresUrl())('two instances on one PostgreSQL', () => {
  let t: TestApp;
  let other: Awaited<ReturnType<typeof createApp>>;
  let a: Api;
  let b: Api;
  let w: World;

  beforeAll(async () => {
    t = await startApp();
    other = await createApp(t.config, { baseNow: () => T0 });
    await other.server.listen({ host: '127.0.0.1', port: 0 });
    const address = other.server.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    a = t.api;
    b = makeApi(`http://127.0.0.1:${address.port}`);
    w = await makeWorld(a);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const refusedOnB = (token: string) => refusedAfter(b, token);

  it('a logout on one is refused on the other within the same second', async () => {
    const login = await a('POST', '/api/v1/session', { body: { email: 'cust2@test.example', password: 'correct horse battery' } });
    const token = login.body.token as string;
    expect((await b('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await b('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await a('DELETE', '/api/v1/session', { token })).status).toBe(204);
    expect(await refusedOnB(token)).toBeLessThan(1000);
  });

  it('disabling a person on one ends their session on the other within the same second', async () => {
    expect((await b('GET', '/api/v1/me', { token: w.tokens.staff2 })).status).toBe(200);
    const body = { email: 'staff2@test.example', name: 'Stan Staff', isStaff: true, disabled: true };
    expect((await a('PUT', '/api/v1/platform/users/staff2', { token: w.platform, body })).status).toBe(200);
    expect(await refusedOnB(w.tokens.staff2)).toBeLessThan(1000);
  });

  it('an instance whose listening connection is cut reads sessions from the database until it listens again', async () => {
    const login = await a('POST', '/api/v1/session', { body: { email: 'cust@test.example', password: 'correct horse battery' } });
    const token = login.body.token as string;
    expect((await b('GET', '/api/v1/me', { token })).status).toBe(200);
    const direct = new pg.Client({ connectionString: t.config.databaseUrl });
    await direct.connect();
    try {
      const cut = await direct.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'LISTEN%'",
      );
      expect(cut.rowCount).toBe(2);
    } finally {
      await direct.end();
    }
    expect((await a('DELETE', '/api/v1/session', { token })).status).toBe(204);
    expect(await refusedOnB(token)).toBeLessThan(1000);
  });

  it('the movable clock moved on one is seen by the other within the same second', async () => {
    const clock = async (api: Api) => Date.parse((await api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
    const before = await clock(b);
    await w.advance('P1D');
    const start = performance.now();
    let moved = false;
    for (let i = 0; i < 1000 && !moved; i++) {
      // Any API request brings the clock up to date first; the dev clock's read is one.
      moved = (await clock(b)) - before >= 86_400_000;
      if (!moved) await new Promise((r) => setImmediate(r));
    }
    expect(moved).toBe(true);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
