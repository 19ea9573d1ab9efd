/**
 * SPEC §14 sign-in, embedding and branding: with PLATFORM_LOGIN_URL a page visit without
 * a session goes to the marketplace; with FRAME_ANCESTORS its pages may frame the app and
 * the session cookie is a partitioned third-party one; BRAND_* reach the app and the mail.
 * Without them everything stays as it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { PLATFORM_KEY, type TestApp } from './support/harness.js';
import { useWorld } from './support/world.js';

const LOGIN_URL = 'https://market.example/sign-in?from=rc';
const MARKET = 'https://market.example';
const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-web-'));
fs.writeFileSync(
  path.join(webRoot, 'index.html'),
  '<!doctype html><html><head><title>Resolution Center</title></head><body><div id="root"></div></body></html>',
);

afterAll(() => fs.rmSync(webRoot, { recursive: true, force: true }));
const { t, w } = useWorld({
  env: {
    PLATFORM_LOGIN_URL: LOGIN_URL,
    FRAME_ANCESTORS: `${MARKET} http://127.0.0.1:8123`,
    BRAND_NAME: 'Market Help',
    BRAND_COLOR: '#fc0',
    BRAND_LOGO_URL: 'https://cdn.market.example/logo.png',
  },
  parts: { webRoot },
});
const { t: plain, w: pw } = useWorld({ parts: { webRoot } });

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A browser's page request, redirects not followed: what the browser itself would see first. */
const visit = (app: TestApp, p: string, headers: Record<string, string> = {}) =>
  fetch(app.url + p, { redirect: 'manual', headers: { accept: HTML, ...headers } });

async function loginLink(app: TestApp, userId: string, returnTo?: string): Promise<{ url: string; token: string }> {
  const r = await app.api('POST', '/api/v1/platform/login-links', { token: PLATFORM_KEY, body: { userId, returnTo } });
  expect(r.status).toBe(201);
  return r.body;
}

/** Signs in with a login link as the app does, and returns the Set-Cookie and the cookie to send back. */
async function signIn(app: TestApp, loginToken: string) {
  const r = await app.api('POST', '/api/v1/session', { body: { loginToken } });
  expect(r.status).toBe(200);
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0] as string };
}

/** The configuration the server wrote into the page for the app. */
function pageConfig(html: string) {
  const json = /<script type="application\/json" id="rc-config">(.*?)<\/script>/.exec(html)?.[1];
  expect(json).toBeTruthy();
  return JSON.parse(json as string);
}

describe('sign-in at the marketplace (PLATFORM_LOGIN_URL)', () => {
  it('sends a page visit without a session to PLATFORM_LOGIN_URL with return_to, keeping its own query', async () => {
    const c = await w.openCase();
    const r = await visit(t, `/cases/${c.id}?tab=files`);
    expect(r.status).toBe(302);
    const to = new URL(r.headers.get('location') ?? '');
    expect(to.origin + to.pathname).toBe('https://market.example/sign-in');
    expect(to.searchParams.get('from')).toBe('rc');
    expect(to.searchParams.get('return_to')).toBe(`/cases/${c.id}?tab=files`);
    // The sign-in page asks to return where it was going; /login itself and garbage go home.
    const login = await visit(t, `/login?next=${encodeURIComponent('/inbox')}`);
    expect(new URL(login.headers.get('location') ?? '').searchParams.get('return_to')).toBe('/inbox');
    for (const p of ['/login', '/login?next=https://evil.example/', '/']) {
      const other = await visit(t, p);
      expect(other.status, p).toBe(302);
      expect(new URL(other.headers.get('location') ?? '').searchParams.get('return_to'), p).toBe('/');
    }
    // An expired or unknown session is no session.
    const stale = await visit(t, '/orders', { cookie: 'rc_session=not-a-session' });
    expect(stale.status).toBe(302);
  });

  it('sends the case link of every mail the same way', async () => {
    const c = await w.openCase();
    await w.advance('PT0S');
    const mail = await t.api('GET', `/api/v1/platform/dev/mailbox?caseId=${c.id}`, { token: PLATFORM_KEY });
    const link = /Open the case: (\S+)/.exec(mail.body.data[0].text)?.[1] ?? '';
    expect(link).toBe(`${t.config.publicUrl}/cases/${c.id}`);
    const r = await visit(t, new URL(link).pathname);
    expect(r.status).toBe(302);
    expect(new URL(r.headers.get('location') ?? '').searchParams.get('return_to')).toBe(`/cases/${c.id}`);
  });

  it('keeps API requests and non-page requests a 401 problem', async () => {
    const api = await fetch(`${t.url}/api/v1/me`, { redirect: 'manual', headers: { accept: HTML } });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await api.json()) as { code: string }).code).toBe('unauthenticated');
    // A script fetching a page (no text/html in Accept) is not a visit.
    const r = await fetch(`${t.url}/orders`, { redirect: 'manual', headers: { accept: '*/*' } });
    expect(r.status).toBe(200);
  });

  it('serves a login link visit, then the app to the signed-in person, who lands on returnTo', async () => {
    const c = await w.openCase();
    const link = await loginLink(t, 'cust', `/cases/${c.id}`);
    const linkVisit = await visit(t, new URL(link.url).pathname + new URL(link.url).search);
    expect(linkVisit.status).toBe(200);
    const html = await linkVisit.text();
    expect(html).toContain('<div id="root"></div>');
    expect(new URL(link.url).searchParams.get('next')).toBe(`/cases/${c.id}`);
    const { cookie } = await signIn(t, link.token);
    const page = await visit(t, `/cases/${c.id}`, { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"></div>');
    // Signed in, /login is the app (which moves on to `next`), not the marketplace.
    expect((await visit(t, `/login?next=/cases/${c.id}`, { cookie })).status).toBe(200);
    // After signing out the same cookie is sent to the marketplace again.
    const out = await t.api('DELETE', '/api/v1/session', { headers: { cookie, origin: t.config.publicUrl } });
    expect(out.status).toBe(204);
    expect((await visit(t, `/cases/${c.id}`, { cookie })).status).toBe(302);
  });

  it('tells the app that sign-in is external, so it shows no password form', async () => {
    const r = await visit(t, '/login?token=x');
    expect(pageConfig(await r.text()).externalSignIn).toBe(true);
    expect(pageConfig(await (await visit(plain, '/login')).text()).externalSignIn).toBe(false);
  });

  it('changes nothing without PLATFORM_LOGIN_URL: the app is served and the API answers 401', async () => {
    for (const p of ['/', '/login', '/cases/case_x']) {
      const r = await visit(plain, p);
      expect(r.status, p).toBe(200);
      expect(await r.text()).toContain('<div id="root"></div>');
    }
    expect((await plain.api('GET', '/api/v1/me')).status).toBe(401);
  });
});

describe('embedding (FRAME_ANCESTORS)', () => {
  it('lets the named origins frame the app, without X-Frame-Options', async () => {
    for (const p of ['/login?token=x', '/api/v1/me', '/healthz']) {
      const r = await visit(t, p);
      expect(r.headers.get('content-security-policy'), p).toMatch(
        /frame-ancestors https:\/\/market\.example http:\/\/127\.0\.0\.1:8123(;|$)/,
      );
      expect(r.headers.get('x-frame-options'), p).toBeNull();
    }
  });

  it('makes the session cookie SameSite=None; Secure; Partitioned, and clears it the same way', async () => {
    const { setCookie, cookie } = await signIn(t, (await loginLink(t, 'cust')).token);
    expect(setCookie).toMatch(/^rc_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=None/i);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; Partitioned/i);
    const out = await t.api('DELETE', '/api/v1/session', { headers: { cookie, origin: t.config.publicUrl } });
    expect(out.headers.get('set-cookie')).toMatch(/Partitioned/i);
  });

  it('still refuses framing without FRAME_ANCESTORS, with a Lax cookie', async () => {
    const r = await visit(plain, '/');
    expect(r.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const { setCookie } = await signIn(plain, (await loginLink(plain, 'cust')).token);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure|Partitioned|SameSite=None/i);
  });
});

describe('branding (BRAND_NAME, BRAND_COLOR, BRAND_LOGO_URL)', () => {
  it('gives the app its name, logo and colours, with text colours that contrast', async () => {
    const html = await (await visit(t, '/login?token=x')).text();
    expect(html).toContain('<title>Market Help</title>');
    const { brand } = pageConfig(html);
    expect(brand.name).toBe('Market Help');
    expect(brand.logoUrl).toBe('https://cdn.market.example/logo.png');
    // #fc0 is light: black on it, and a darker shade of it for links and white-text buttons.
    expect(brand.palette).toMatchObject({ brand: '#ffcc00', onBrand: '#000000' });
    expect(brand.palette.accent).not.toBe('#ffcc00');
    const { contrast } = await import('../src/web/brand.js');
    expect(contrast(brand.palette.accent, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(brand.palette.accentHover, brand.palette.accentSoft)).toBeGreaterThanOrEqual(4.5);
    // The logo's origin may be loaded by the page.
    const csp = (await visit(t, '/')).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/img-src [^;]*https:\/\/cdn\.market\.example/);
  });

  it('keeps the product’s own name and colours without them', async () => {
    const html = await (await visit(plain, '/login')).text();
    expect(html).toContain('<title>Resolution Center</title>');
    expect(pageConfig(html).brand).toEqual({ name: 'Resolution Center', logoUrl: null, palette: null });
  });

  it('brands every mail: subject, sender, the HTML header with logo and colour, and the text', async () => {
    const c = await w.openCase();
    await w.advance('PT0S');
    const mail = await t.api('GET', `/api/v1/platform/dev/mailbox?caseId=${c.id}`, { token: PLATFORM_KEY });
    expect(mail.body.data.length).toBeGreaterThan(0);
    for (const m of mail.body.data) {
      expect(m.subject).toMatch(/^\[Market Help\] Case /);
      expect(m.html).toContain('<img src="https://cdn.market.example/logo.png"');
      expect(m.html).toContain('background:#ffcc00;color:#000000');
      expect(m.html).toContain('Market Help');
      expect(m.text).toContain('You receive this email from Market Help');
    }
    const before = await pw.openCase();
    await pw.advance('PT0S');
    const own = await plain.api('GET', `/api/v1/platform/dev/mailbox?caseId=${before.id}`, { token: PLATFORM_KEY });
    expect(own.body.data[0].subject).toMatch(/^\[Resolution Center\] Case /);
    expect(own.body.data[0].html).not.toContain('<img');
  });
});

describe('configuration', () => {
  it('refuses bad values at start-up with a clear message', () => {
    const bad: [string, string, RegExp][] = [
      ['PLATFORM_LOGIN_URL', '/sign-in', /PLATFORM_LOGIN_URL must be an absolute/],
      ['PLATFORM_LOGIN_URL', 'javascript:alert(1)', /PLATFORM_LOGIN_URL/],
      ['FRAME_ANCESTORS', 'market.example', /FRAME_ANCESTORS must be space-separated origins/],
      ['FRAME_ANCESTORS', 'https://market.example/embed', /FRAME_ANCESTORS/],
      ['FRAME_ANCESTORS', 'https://*.market.example', /FRAME_ANCESTORS/],
      ['FRAME_ANCESTORS', "'self'", /FRAME_ANCESTORS/],
      ['FRAME_ANCESTORS', 'ftp://market.example', /FRAME_ANCESTORS/],
      ['BRAND_COLOR', 'red', /BRAND_COLOR must be a hex colour/],
      ['BRAND_COLOR', '#12345', /BRAND_COLOR/],
      ['BRAND_LOGO_URL', 'http://cdn.market.example/logo.png', /BRAND_LOGO_URL must be an absolute https/],
      ['BRAND_LOGO_URL', 'logo.png', /BRAND_LOGO_URL/],
      ['BRAND_NAME', 'Two\nlines', /BRAND_NAME must be one line/],
    ];
    for (const [name, value, message] of bad) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(message);
    }
    const good = loadConfig({
      FRAME_ANCESTORS: ' https://market.example   http://localhost:5173/ ',
      BRAND_COLOR: '#0A7D5A',
      BRAND_LOGO_URL: 'http://127.0.0.1:9000/logo.svg',
    });
    expect(good.frameAncestors).toEqual(['https://market.example', 'http://localhost:5173']);
    expect(good.brand).toEqual({ name: 'Resolution Center', color: '#0a7d5a', logoUrl: 'http://127.0.0.1:9000/logo.svg' });
    expect(good.platformLoginUrl).toBeNull();
  });
});
