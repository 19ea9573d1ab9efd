/**
 * SPEC §15, security rules: each finding of the hostile review (issue #14) as what a
 * caller sees. Only loopback traffic: webhook URLs are checked at registration (and a
 * refused delivery never connects).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEV_PLATFORM_API_KEY, loadConfig } from '../src/config.js';
import { downloadName } from '../src/files/download-name.js';
import { addressKind } from '../src/notifications/webhook-url.js';
import { PNG, TEXT } from './support/files.js';
import { type Api, PLATFORM_KEY, type TestApp, freshDatabase, postgresUrl, refusedAfter, startApp } from './support/harness.js';
import { makeWorld, useWorld } from './support/world.js';

const PASSWORD = 'correct horse battery';
const session = (api: Api, email: string, password: string, headers: Record<string, string> = {}) =>
  api('POST', '/api/v1/session', { body: { email, password }, headers });

const { t, w } = useWorld({ env: { TRUST_PROXY: '1', UPLOAD_QUOTA_BYTES: '1000' } });

describe('finding 1: login brute force', () => {
  it('limits failures per account whatever address they come from, then 429 with Retry-After, also for the right password', async () => {
    const answers = [];
    // TRUST_PROXY=1: each attempt really does come from a new client address.
    for (let i = 0; i < 25; i++)
      answers.push(await session(t.api, 'cust2@test.example', `wrong ${i}`, { 'x-forwarded-for': `198.51.100.${i + 1}` }));
    expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(401));
    expect(answers.slice(10).map((a) => a.status)).toEqual(Array(15).fill(429));
    const limited = answers[10];
    expect(limited?.body.code).toBe('rate_limited');
    expect(limited?.headers.get('content-type')).toMatch(/problem\+json/);
    const retryAfter = Number(limited?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    const right = await session(t.api, 'cust2@test.example', PASSWORD, { 'x-forwarded-for': '203.0.113.7' });
    expect(right.status).toBe(429);
    // Another account is not affected.
    expect((await session(t.api, 'merch2@test.example', PASSWORD)).status).toBe(200);
    // Unknown emails are counted alike, so the answer never tells whether an account exists.
    for (let i = 0; i < 10; i++) expect((await session(t.api, 'nobody@test.example', 'x')).status).toBe(401);
    expect((await session(t.api, 'nobody@test.example', 'x')).status).toBe(429);

    await w.advance('PT15M');
    expect((await session(t.api, 'cust2@test.example', PASSWORD)).status).toBe(200);
  });

  it('a right password gives its attempt back: logging in often is never a lock-out', async () => {
    for (let i = 0; i < 15; i++) expect((await session(t.api, 'staff2@test.example', PASSWORD)).status).toBe(200);
  });

  it('counts per client address: TRUST_PROXY=1 takes the hop the proxy saw; by default X-Forwarded-For is ignored', async () => {
    const behind = await startApp({ RATE_LIMIT_LOGIN: '3', TRUST_PROXY: '1' });
    const direct = await startApp({ RATE_LIMIT_LOGIN: '3' });
    const listed = await startApp({ RATE_LIMIT_LOGIN: '3', TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' });
    try {
      const burst = async (api: Api, forwarded: (i: number) => string) => {
        const statuses = [];
        for (let i = 0; i < 4; i++)
          statuses.push((await session(api, `u${i}@test.example`, 'x', { 'x-forwarded-for': forwarded(i) })).status);
        return statuses;
      };
      // Behind one proxy: one client is limited, the next client has its own budget.
      expect(await burst(behind.api, () => '198.51.100.1')).toEqual([401, 401, 401, 429]);
      expect((await session(behind.api, 'v@test.example', 'x', { 'x-forwarded-for': '198.51.100.2' })).status).toBe(401);
      // A client-written left-most entry is not the address: the proxy's hop (the right-most) is.
      expect((await session(behind.api, 'v@test.example', 'x', { 'x-forwarded-for': '203.0.113.9, 198.51.100.1' })).status).toBe(429);
      // Without TRUST_PROXY, or from a socket that is not a listed proxy, a rotating header buys nothing.
      expect(await burst(direct.api, (i) => `198.51.100.${i + 10}`)).toEqual([401, 401, 401, 429]);
      expect(await burst(listed.api, (i) => `198.51.100.${i + 10}`)).toEqual([401, 401, 401, 429]);
    } finally {
      await Promise.all([behind.close(), direct.close(), listed.close()]);
    }
  });

  it('never trusts every proxy', () => {
    for (const v of ['true', '*', 'all', '10.0.0.0/33', 'proxy.internal'])
      expect(() => loadConfig({ TRUST_PROXY: v }), v).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
    expect(loadConfig({}).trustProxy).toBe(false);
  });
});

describe.skipIf(!postgresUrl())('finding 1 across instances: two apps on one PostgreSQL database', () => {
  let db: { url: string; drop: () => Promise<void> };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await freshDatabase('');
    const env = { DATABASE_URL: db.url, RATE_LIMIT_LOGIN: '1000' };
    a = await startApp(env);
    b = await startApp(env);
    await makeWorld(a.api);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('share one per-account budget: 5 failures on each, then both answer 429', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await session(a.api, 'cust@test.example', 'wrong')).status).toBe(401);
      expect((await session(b.api, 'cust@test.example', 'wrong')).status).toBe(401);
    }
    expect((await session(a.api, 'cust@test.example', PASSWORD)).status).toBe(429);
    expect((await session(b.api, 'cust@test.example', PASSWORD)).status).toBe(429);
  });

  it('share the per-route limits too', async () => {
    const c = await startApp({ DATABASE_URL: db.url, RATE_LIMIT_LOGIN: '4' });
    const d = await startApp({ DATABASE_URL: db.url, RATE_LIMIT_LOGIN: '4' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await session(c.api, `x${i}@test.example`, 'x')).status);
        statuses.push((await session(d.api, `y${i}@test.example`, 'x')).status);
      }
      // The address has already spent what the instances before used; 4 a minute in all.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    } finally {
      await c.close();
      await d.close();
    }
  });

  it('end sessions on every instance', async () => {
    const token = (await session(b.api, 'merch@test.example', PASSWORD)).body.token as string;
    expect((await a.api('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await b.api('DELETE', '/api/v1/platform/users/merch/sessions', { token: PLATFORM_KEY })).status).toBe(204);
    // `a` keeps sessions in memory and hears of the end from PostgreSQL (issue 20): within the same second.
    expect(await refusedAfter(a.api, token)).toBeLessThan(1000);
  });
});

describe('finding 2: the movable clock is bounded, one implementation for both endpoints', () => {
  // Sessions that outlive ten years of moving the clock.
  const { t: c, w: cw } = useWorld({ env: { SESSION_TTL: 'P11Y' } });

  const person = (advance: string) => c.api('POST', '/api/v1/dev/clock', { token: cw.tokens.customer, body: { advance } });
  const platform = (advance: string) => c.api('POST', '/api/v1/platform/dev/clock', { token: PLATFORM_KEY, body: { advance } });

  it('refuses more than P1Y per call, and absurd durations, with 400 validation_failed, on both endpoints', async () => {
    for (const advance of ['P200000Y', 'P1000000Y', 'PT99999999999999999999S', 'P1Y1D', 'P13M'])
      for (const move of [person, platform]) {
        const r = await move(advance);
        expect(r.status, advance).toBe(400);
        expect(r.body.code).toBe('validation_failed');
        expect(r.body.errors[0].path).toBe('advance');
      }
    // Nothing moved, and logging in still works.
    const now = await c.api('GET', '/api/v1/platform/dev/clock', { token: PLATFORM_KEY });
    expect(now.body.now).toBe('2026-03-02T09:00:00.000Z');
    expect((await session(c.api, 'cust@test.example', PASSWORD)).status).toBe(200);
  });

  it('never runs more than P10Y ahead of the real time', async () => {
    for (let i = 0; i < 5; i++) expect((await person('P1Y')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await platform('P1Y')).status).toBe(200);
    const beyond = await person('PT1S');
    expect(beyond.status).toBe(400);
    expect(beyond.body.code).toBe('validation_failed');
    expect((await platform('PT1S')).status).toBe(400);
    const now = await c.api('GET', '/api/v1/dev/clock', { token: cw.tokens.customer });
    expect(now.body.now).toBe('2036-03-02T09:00:00.000Z');
    expect((await session(c.api, 'cust@test.example', PASSWORD)).status).toBe(200);
  });

  it('an error raised while the answer is sent is problem+json too (a cookie that cannot be written)', async () => {
    const odd = await startApp({ SESSION_TTL: 'P200000Y' });
    try {
      await odd.api('PUT', '/api/v1/platform/users/u1', {
        token: PLATFORM_KEY,
        body: { email: 'u1@test.example', name: 'U', password: PASSWORD },
      });
      const r = await session(odd.api, 'u1@test.example', PASSWORD);
      expect(r.status).toBe(500);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(r.body).toMatchObject({ status: 500, code: 'internal_error' });
      expect(JSON.stringify(r.body)).not.toMatch(/cookie|expires/i);
    } finally {
      await odd.close();
    }
  });
});

describe('finding 3: webhook URLs', () => {
  const put = (api: Api, url: string, key = PLATFORM_KEY) =>
    api('PUT', '/api/v1/platform/webhook-endpoints/wh_ssrf', {
      token: key,
      body: { url, secret: 'ssrf-secret-0123456789', events: ['case.created'] },
    });
  const INTERNAL = [
    'http://0.0.0.0:3000/',
    'http://0/',
    'http://10.0.0.1/hook',
    'http://0x0a.1/hook',
    'http://100.64.0.1/',
    'http://100.100.100.200/latest/meta-data',
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://[::]/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:10.0.0.1]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
  ];

  it('refuses private, link-local, CGNAT, unique-local, unspecified and metadata addresses at registration', async () => {
    for (const url of INTERNAL) {
      const r = await put(t.api, url);
      expect(r.status, url).toBe(400);
      expect(r.body.code).toBe('webhook_url_not_allowed');
    }
    expect((await t.api('GET', '/api/v1/platform/webhook-endpoints/wh_ssrf/deliveries', { token: PLATFORM_KEY })).status).toBe(404);
  });

  it('allows loopback outside production, for local testing', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://2130706433:9/hook', 'http://[::1]:9/hook'])
      expect((await put(t.api, url)).status, url).toBe(200);
  });

  it('in production: https only, and loopback refused too', async () => {
    const key = 'k'.repeat(40);
    const prod = await startApp({
      NODE_ENV: 'production',
      PLATFORM_API_KEY: key,
      SESSION_SECRET: 's'.repeat(40),
      PUBLIC_URL: 'https://rc.test',
      SMTP_URL: 'smtp://127.0.0.1:9',
    });
    try {
      for (const url of [
        'http://93.184.215.14/hook',
        'https://127.0.0.1/hook',
        'https://2130706433/hook',
        'https://[::1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        ...INTERNAL.map((u) => u.replace('http:', 'https:')),
      ]) {
        const r = await put(prod.api, url, key);
        expect(r.status, url).toBe(400);
        expect(r.body.code).toBe('webhook_url_not_allowed');
      }
      // A public address is accepted (registration connects to nothing).
      expect((await put(prod.api, 'https://93.184.215.14/hook', key)).status).toBe(200);
    } finally {
      await prod.close();
    }
  });

  it('checks again at delivery, without connecting, and logs a generic error', async () => {
    // An endpoint stored before these checks existed.
    await t.app.services.db
      .insertInto('webhook_endpoints')
      .values({
        id: 'wh_legacy',
        url: 'http://169.254.169.254/latest/meta-data/',
        secret: 'legacy-secret-0123456789',
        events: JSON.stringify(['case.created']),
        enabled: 1,
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      })
      .execute();
    await put(t.api, 'http://127.0.0.1:9/hook');
    await t.api('PUT', '/api/v1/platform/webhook-endpoints/wh_ssrf', {
      token: PLATFORM_KEY,
      body: { url: 'http://127.0.0.1:9/hook', secret: 'ssrf-secret-0123456789', events: ['case.created'], enabled: false },
    });
    await w.openCase();
    await w.advance('PT0S');
    const log = await t.api('GET', '/api/v1/platform/webhook-endpoints/wh_legacy/deliveries', { token: PLATFORM_KEY });
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ statusCode: null, error: 'Refused: the URL is not allowed for webhooks' });
    await t.api('PUT', '/api/v1/platform/webhook-endpoints/wh_legacy', {
      token: PLATFORM_KEY,
      body: { url: 'http://127.0.0.1:9/hook', secret: 'legacy-secret-0123456789', events: ['case.created'], enabled: false },
    });
  });

  it('classifies addresses', () => {
    expect(['127.0.0.1', '127.255.0.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1'].map(addressKind)).toEqual(Array(5).fill('loopback'));
    expect(
      ['0.0.0.0', '10.1.2.3', '100.127.255.255', '169.254.169.254', '::', 'fc00::1', 'fd00:ec2::254', '64:ff9b::a00:1', '2002:a00:1::'].map(
        addressKind,
      ),
    ).toEqual(Array(9).fill('internal'));
    expect(['93.184.215.14', '100.128.0.1', '2606:4700::1111', '8.8.8.8'].map(addressKind)).toEqual(Array(4).fill('public'));
  });
});

describe('finding 4: download names match the sniffed type', () => {
  async function uploadFile(bytes: Uint8Array, name: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    const res = await fetch(`${t.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.tokens.customer}` },
      body: form,
    });
    const body = (await res.json()) as { id: string; filename: string };
    expect(res.status).toBe(201);
    // The name is still shown as sent.
    expect(body.filename).toBe(name);
    return body.id;
  }

  it('invoice.bat, receipt.hta and proof.js sniffed as text download with .txt added; receipt.png stays', async () => {
    const names = ['invoice.bat', 'receipt.hta', 'proof.js', 'receipt.png', 'notes.TXT'];
    const files = [TEXT, TEXT, TEXT, PNG, TEXT];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      ids.push(await uploadFile(files[i] as Uint8Array, name));
      if (ids.length === 3 || i === names.length - 1) {
        const c = await w.openCase();
        expect((await w.act(w.tokens.customer, c.id, { type: 'respond', message: 'Evidence.', attachmentIds: ids.splice(0) })).status).toBe(
          200,
        );
        const view = await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.merchant });
        for (const a of view.body.timeline.flatMap((e: { attachments: { id: string; filename: string }[] }) => e.attachments)) {
          const res = await fetch(`${t.url}/api/v1/cases/${c.id}/attachments/${a.id}`, {
            headers: { authorization: `Bearer ${w.tokens.merchant}` },
          });
          await res.arrayBuffer();
          const expected =
            { 'invoice.bat': 'invoice.bat.txt', 'receipt.hta': 'receipt.hta.txt', 'proof.js': 'proof.js.txt' }[a.filename as string] ??
            a.filename;
          expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${expected}"; filename*=UTF-8''${expected}`);
        }
      }
    }
  });

  it('the same rule the web app uses for its download links', () => {
    expect(downloadName('invoice.bat', 'text/plain; charset=utf-8')).toBe('invoice.bat.txt');
    expect(downloadName('notes.txt', 'text/plain; charset=utf-8')).toBe('notes.txt');
    expect(downloadName('photo.JPEG', 'image/jpeg')).toBe('photo.JPEG');
    expect(downloadName('photo.png', 'image/jpeg')).toBe('photo.png.jpg');
    expect(downloadName('scan', 'application/pdf')).toBe('scan.pdf');
    expect(downloadName('clip.exe', 'video/mp4')).toBe('clip.exe.mp4');
  });
});

describe('finding 5: secrets are never stored by idempotency', () => {
  it('POST /session ignores Idempotency-Key: each login is its own session', async () => {
    const headers = { 'idempotency-key': 'login-1' };
    const a = await session(t.api, 'merch@test.example', PASSWORD, headers);
    const b = await session(t.api, 'merch@test.example', PASSWORD, headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body.token).not.toBe(a.body.token);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    const stored = await t.app.services.db.selectFrom('idempotency_keys').select('key').where('key', '=', 'login-1').execute();
    expect(stored).toEqual([]);
  });

  it('a used login link replayed with the same key is refused, and login links are never replayed', async () => {
    const headers = { 'idempotency-key': 'link-1' };
    const l1 = await t.api('POST', '/api/v1/platform/login-links', { token: PLATFORM_KEY, body: { userId: 'cust' }, headers });
    const l2 = await t.api('POST', '/api/v1/platform/login-links', { token: PLATFORM_KEY, body: { userId: 'cust' }, headers });
    expect([l1.status, l2.status]).toEqual([201, 201]);
    expect(l2.body.token).not.toBe(l1.body.token);
    const use = { 'idempotency-key': 'use-link-1' };
    const first = await t.api('POST', '/api/v1/session', { body: { loginToken: l1.body.token }, headers: use });
    expect(first.status).toBe(200);
    const replay = await t.api('POST', '/api/v1/session', { body: { loginToken: l1.body.token }, headers: use });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_login_token');
  });
});

describe('finding 6: ending sessions', () => {
  const putUser = (body: Record<string, unknown>) =>
    t.api('PUT', '/api/v1/platform/users/quinn', { token: PLATFORM_KEY, body: { email: 'quinn@test.example', name: 'Quinn', ...body } });
  const me = (token: string) => t.api('GET', '/api/v1/me', { token });
  const loginQuinn = async (password = PASSWORD) => {
    const r = await session(t.api, 'quinn@test.example', password);
    expect(r.status).toBe(200);
    return r.body.token as string;
  };

  it('a new password ends every session; the same password sent again does not', async () => {
    expect((await putUser({ password: PASSWORD })).status).toBe(200);
    const [a, b] = [await loginQuinn(), await loginQuinn()];
    expect((await putUser({ password: PASSWORD })).status).toBe(200);
    expect((await me(a)).status).toBe(200);
    expect((await putUser({ password: 'a brand new password' })).status).toBe(200);
    expect((await me(a)).status).toBe(401);
    expect((await me(b)).status).toBe(401);
    await loginQuinn('a brand new password');
  });

  it('disabled: true ends every session and refuses logins with 401 invalid_credentials; false enables again', async () => {
    expect((await putUser({ password: PASSWORD })).status).toBe(200);
    const token = await loginQuinn();
    const link = await t.api('POST', '/api/v1/platform/login-links', { token: PLATFORM_KEY, body: { userId: 'quinn' } });
    expect((await putUser({ disabled: true })).status).toBe(200);
    expect((await me(token)).status).toBe(401);
    const refused = await session(t.api, 'quinn@test.example', PASSWORD);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('invalid_credentials');
    const byLink = await t.api('POST', '/api/v1/session', { body: { loginToken: link.body.token } });
    expect(byLink.status).toBe(401);
    expect(byLink.body.code).toBe('invalid_credentials');
    // A sync that does not mention `disabled` leaves it as it is.
    expect((await putUser({})).status).toBe(200);
    expect((await session(t.api, 'quinn@test.example', PASSWORD)).status).toBe(401);
    expect((await putUser({ disabled: false })).status).toBe(200);
    await loginQuinn();
  });

  it('DELETE /platform/users/{id}/sessions ends them all at once, and only theirs', async () => {
    expect((await putUser({ password: PASSWORD })).status).toBe(200);
    const [a, b] = [await loginQuinn(), await loginQuinn()];
    const other = (await session(t.api, 'merch@test.example', PASSWORD)).body.token as string;
    const r = await t.api('DELETE', '/api/v1/platform/users/quinn/sessions', { token: PLATFORM_KEY });
    expect(r.status).toBe(204);
    expect((await me(a)).status).toBe(401);
    expect((await me(b)).status).toBe(401);
    expect((await me(other)).status).toBe(200);
    await loginQuinn();
    const unknown = await t.api('DELETE', '/api/v1/platform/users/ghost/sessions', { token: PLATFORM_KEY });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
  });
});

describe('finding 7: production refuses weak settings', () => {
  const strong = {
    NODE_ENV: 'production',
    PLATFORM_API_KEY: 'p'.repeat(32),
    SESSION_SECRET: 's'.repeat(32),
    PUBLIC_URL: 'https://rc.example',
    SMTP_URL: 'smtp://mail.rc.example:587',
  };
  it('the development key, short secrets and http PUBLIC_URL are refused', () => {
    expect(loadConfig(strong).production).toBe(true);
    for (const [over, why] of [
      [{ PLATFORM_API_KEY: DEV_PLATFORM_API_KEY }, /development key/],
      [{ PLATFORM_API_KEY: 'p'.repeat(31) }, /PLATFORM_API_KEY must be at least 32/],
      [{ SESSION_SECRET: 's' }, /SESSION_SECRET must be at least 32/],
      [{ PUBLIC_URL: 'http://rc.example' }, /PUBLIC_URL must be https/],
    ] as const) {
      expect(() => loadConfig({ ...strong, ...over })).toThrow(ConfigError);
      expect(() => loadConfig({ ...strong, ...over })).toThrow(why);
    }
    expect(loadConfig({ ...strong, PUBLIC_URL: 'http://rc.internal', ALLOW_INSECURE_HTTP: '1' }).publicUrl).toBe('http://rc.internal');
  });
});

describe('finding 8: uploads have a quota and an early 413', () => {
  const send = async (token: string, bytes: Uint8Array) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'note.txt');
    const res = await fetch(`${t.url}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    return { status: res.status, body: (await res.json()) as { id: string; code: string } };
  };

  it('unclaimed uploads per person at most UPLOAD_QUOTA_BYTES: 413 upload_quota_exceeded, free again once attached', async () => {
    const note = Buffer.from('x'.repeat(400));
    const first = await send(w.tokens.otherCustomer, note);
    expect((await send(w.tokens.otherCustomer, note)).status).toBe(201);
    const over = await send(w.tokens.otherCustomer, note);
    expect(over.status).toBe(413);
    expect(over.body.code).toBe('upload_quota_exceeded');
    // Per person: another one is not affected.
    expect((await send(w.tokens.merchant, note)).status).toBe(201);
    const paymentId = await w.payment({ customerId: 'cust2' });
    const opened = await t.api('POST', '/api/v1/cases', {
      token: w.tokens.otherCustomer,
      body: { paymentId, issueType: 'other', description: 'Attaching my note.', attachmentIds: [first.body.id] },
    });
    expect(opened.status).toBe(201);
    expect((await send(w.tokens.otherCustomer, note)).status).toBe(201);
  });

  it('a declared Content-Length above MAX_FILE_BYTES + 64 KiB is refused at once', async () => {
    const { port } = new URL(t.url);
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/uploads',
        headers: {
          authorization: `Bearer ${w.tokens.customer}`,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(100 * 1024 ** 3),
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body });
          req.destroy();
        });
      });
      req.on('error', reject);
      // The first bytes only: the rest of the 100 GB never comes.
      req.write('--x\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\n\r\n');
      setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref();
    });
    expect(answer.status).toBe(413);
    expect(answer.type).toMatch(/problem\+json/);
    expect(JSON.parse(answer.body).code).toBe('file_too_large');
  });
});

describe('finding 9: /metrics with a query string', () => {
  it('answers 200 with the right key', async () => {
    const r = await t.api('GET', '/metrics?x=1', { token: PLATFORM_KEY });
    expect(r.status).toBe(200);
    expect((await t.api('GET', '/metrics?x=1')).status).toBe(401);
  });
});
