/** People's sessions, login links, CSRF, the platform key, rate limits and the production guard. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { TEST_ORIGIN, startApp } from './support/harness.js';
import { makeWorld, useWorld } from './support/world.js';

const { t, w } = useWorld({ env: { SESSION_TTL: 'P2D' } });

const login = (email: string, password = 'correct horse battery') => t.api('POST', '/api/v1/session', { body: { email, password } });
const cookieOf = (r: { headers: Headers }) => r.headers.get('set-cookie') ?? '';

describe('sessions', () => {
  it('password login returns a token and an HttpOnly, SameSite=Lax cookie', async () => {
    const r = await login('CUST@test.example');
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ id: 'cust', name: 'Cora Customer', isStaff: false, timeZone: 'Europe/Paris' });
    const cookie = cookieOf(r);
    expect(cookie).toMatch(/^rc_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const me = await t.api('GET', '/api/v1/me', { token: r.body.token });
    expect(me.body).toMatchObject({ user: { id: 'cust' }, merchants: [], isStaff: false });
  });

  it('wrong password and unknown email get the same answer', async () => {
    const a = await login('cust@test.example', 'wrong password');
    const b = await login('nobody@test.example', 'wrong password');
    expect(a.status).toBe(401);
    expect(b.body).toEqual(a.body);
    expect(a.body.code).toBe('invalid_credentials');
  });

  it('a merchant member sees their merchants in /me', async () => {
    const me = await t.api('GET', '/api/v1/me', { token: w.tokens.merchant });
    expect(me.body.merchants).toEqual([{ id: 'shop', name: 'Shop One' }]);
  });

  it('the cookie authenticates reads; unsafe requests need our own origin', async () => {
    const r = await login('cust@test.example');
    const cookie = cookieOf(r).split(';')[0] as string;
    expect((await t.api('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    const c = await w.openCase();
    const body = { type: 'respond', message: 'via cookie' };
    const none = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { headers: { cookie }, body });
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('csrf_failed');
    const foreign = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { headers: { cookie, origin: 'https://evil.example' }, body });
    expect(foreign.body.code).toBe('csrf_failed');
    const own = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { headers: { cookie, origin: TEST_ORIGIN }, body });
    expect(own.status).toBe(200);
    const referer = await t.api('POST', `/api/v1/cases/${c.id}/actions`, {
      headers: { cookie, referer: `${TEST_ORIGIN}/cases/${c.id}` },
      body,
    });
    expect(referer.status).toBe(200);
  });

  it('logout ends the session everywhere', async () => {
    const r = await login('cust@test.example');
    expect((await t.api('DELETE', '/api/v1/session', { token: r.body.token })).status).toBe(204);
    const after = await t.api('GET', '/api/v1/me', { token: r.body.token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthenticated');
  });

  it('every login makes a new token (no fixation) and sessions expire', async () => {
    const a = await login('cust@test.example');
    const b = await login('cust@test.example');
    expect(a.body.token).not.toBe(b.body.token);
    const stale = await t.api('GET', '/api/v1/me', { token: 'made-up-token-from-an-attacker' });
    expect(stale.status).toBe(401);
    await w.advance('P2DT1M');
    expect((await t.api('GET', '/api/v1/me', { token: a.body.token })).status).toBe(401);
    w.tokens.customer = (await login('cust@test.example')).body.token;
  });
});

describe('login links', () => {
  it('one use, 15 minutes', async () => {
    const link = await t.api('POST', '/api/v1/platform/login-links', { token: w.platform, body: { userId: 'cust2' } });
    expect(link.status).toBe(201);
    expect(link.body.url).toContain(link.body.token);
    const first = await t.api('POST', '/api/v1/session', { body: { loginToken: link.body.token } });
    expect(first.status).toBe(200);
    expect(first.body.user.id).toBe('cust2');
    const second = await t.api('POST', '/api/v1/session', { body: { loginToken: link.body.token } });
    expect(second.status).toBe(401);
    expect(second.body.code).toBe('invalid_login_token');

    const late = await t.api('POST', '/api/v1/platform/login-links', { token: w.platform, body: { userId: 'cust2' } });
    await w.advance('PT15M1S');
    expect((await t.api('POST', '/api/v1/session', { body: { loginToken: late.body.token } })).status).toBe(401);
    expect((await t.api('POST', '/api/v1/platform/login-links', { token: w.platform, body: { userId: 'ghost' } })).status).toBe(404);
  });
});

describe('the platform key', () => {
  it('a wrong key is unauthenticated; a person cannot use platform routes', async () => {
    const wrong = await t.api('GET', '/api/v1/platform/cases', { token: 'not-the-key' });
    expect(wrong.status).toBe(401);
    const staff = (await login('staff1@test.example')).body.token;
    const person = await t.api('GET', '/api/v1/platform/cases', { token: staff });
    expect(person.status).toBe(403);
    expect((await t.api('GET', '/api/v1/cases', { token: w.platform })).status).toBe(403);
    expect((await t.api('GET', '/api/v1/review-queue', { token: (await login('cust@test.example')).body.token })).status).toBe(403);
  });
});

describe('rate limits', () => {
  it('login answers 429 with Retry-After past the limit', async () => {
    const t2 = await startApp({ RATE_LIMIT_LOGIN: '3' });
    try {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await t2.api('POST', '/api/v1/session', { body: { email: 'a@b.example', password: 'x' } }));
      expect(answers.slice(0, 3).every((a) => a.status === 401)).toBe(true);
      const limited = answers[4];
      expect(limited?.status).toBe(429);
      expect(limited?.body.code).toBe('rate_limited');
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await t2.close();
    }
  });
});

describe('rate limits on opening cases', () => {
  it('are per person: one customer’s burst does not block another', async () => {
    const t2 = await startApp({ RATE_LIMIT_OPEN_CASE: '2' });
    try {
      const w2 = await makeWorld(t2.api);
      const open = async (token: string, customerId: string) =>
        t2.api('POST', '/api/v1/cases', {
          token,
          body: { paymentId: await w2.payment({ customerId }), issueType: 'other', description: 'Opening many cases.' },
        });
      expect((await open(w2.tokens.customer, 'cust')).status).toBe(201);
      expect((await open(w2.tokens.customer, 'cust')).status).toBe(201);
      const third = await open(w2.tokens.customer, 'cust');
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBeTruthy();
      expect((await open(w2.tokens.otherCustomer, 'cust2')).status).toBe(201);
    } finally {
      await t2.close();
    }
  });
});

describe('rate limits on actions', () => {
  it('answer 429 with Retry-After past the limit', async () => {
    const t2 = await startApp({ RATE_LIMIT_ACTIONS: '3' });
    try {
      const w2 = await makeWorld(t2.api);
      const c = await w2.openCase();
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await w2.act(w2.tokens.customer, c.id, { type: 'respond', message: `note ${i}` }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers[3]?.body.code).toBe('rate_limited');
      expect(Number(answers[3]?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await w2.act(w2.tokens.merchant, c.id, { type: 'respond', message: 'still fine' })).status).toBe(200);
    } finally {
      await t2.close();
    }
  });
});

describe('production', () => {
  it('refuses to start without its secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PLATFORM_API_KEY, SESSION_SECRET, PUBLIC_URL/);
    const c = loadConfig({
      NODE_ENV: 'production',
      PLATFORM_API_KEY: 'k'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      PUBLIC_URL: 'https://rc.example',
      SMTP_URL: 'smtp://mail.rc.example:587',
      DEMO_SEED: '1',
      DEV_CLOCK: '1',
    });
    expect(c.demoSeed).toBe(false);
    expect(c.devClock).toBe(false);
  });

  it('without the movable clock its endpoint is 404', async () => {
    const t2 = await startApp({ DEV_CLOCK: '0' });
    try {
      const r = await t2.api('POST', '/api/v1/platform/dev/clock', { token: w.platform, body: { advance: 'P1D' } });
      expect(r.status).toBe(404);
    } finally {
      await t2.close();
    }
  });
});
