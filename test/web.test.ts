/**
 * The web app's server side: the SPA fallback, and the development endpoints
 * the app uses (demo sign-in list, time machine).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from './support/harness.js';
import { makeWorld, useWorld } from './support/world.js';

const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-web-'));
fs.mkdirSync(path.join(webRoot, 'assets'));
fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>RC</title><div id="root"></div>');
fs.writeFileSync(path.join(webRoot, 'assets', 'app-abc123.js'), 'console.log(1)');

afterAll(() => fs.rmSync(webRoot, { recursive: true, force: true }));
const { t, w } = useWorld({ parts: { webRoot } });

describe('the web app', () => {
  it('serves index.html for app paths such as /cases/x and /login?token=…', async () => {
    for (const p of ['/', '/cases/x', '/login?token=abc']) {
      const r = await t.api('GET', p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(r.body).toContain('<div id="root"></div>');
      expect(r.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('serves index.html for every page of the app, so a reload or a shared link never 404s', async () => {
    // The app's routes as web/src/main.tsx declares them, with a sample value for each parameter.
    const source = fs.readFileSync(path.join('web', 'src', 'main.tsx'), 'utf8');
    const pages = [...source.matchAll(/^\s*\['(\/[^']*)', /gm)].map((m) => (m[1] ?? '').replace(/:[a-zA-Z]+/g, 'x'));
    expect(pages).toContain('/settings');
    for (const p of pages) {
      const r = await t.api('GET', p);
      expect(r.status, p).toBe(200);
      expect(r.body, p).toContain('<div id="root"></div>');
    }
  });

  it('serves hashed assets with a long cache', async () => {
    const r = await t.api('GET', '/assets/app-abc123.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toContain('immutable');
  });

  it('keeps unknown API paths and missing files as problem+json 404s', async () => {
    for (const p of ['/api/v1/nope', '/api/v1/cases/case_x/nope', '/assets/missing.js']) {
      const r = await t.api('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe('not_found');
    }
    const post = await t.api('POST', '/api/v1/nope', { body: {} });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('development endpoints', () => {
  it('hides the demo users while the demo seed is off', async () => {
    const r = await t.api('GET', '/api/v1/dev/demo-users');
    expect(r.status).toBe(404);
  });

  it('lets any logged-in person move the clock and runs what is due: a silent merchant’s case escalates', async () => {
    const c = await w.openCase();
    expect(c.status).toBe('merchant_response_needed');
    const before = await t.api('GET', '/api/v1/dev/clock', { token: w.tokens.customer });
    const r = await t.api('POST', '/api/v1/dev/clock', { token: w.tokens.customer, body: { advance: 'P7DT1M' } });
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.now) - Date.parse(before.body.now)).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000);
    const after = await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer });
    expect(after.body.status).toBe('under_platform_review');
  });

  it('refuses a bad duration with a field error', async () => {
    const r = await t.api('POST', '/api/v1/dev/clock', { token: w.tokens.customer, body: { advance: 'seven days' } });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('advance');
  });
});

describe('merchant insights', () => {
  it('counts open cases, outcomes, first-response time and cases per week', async () => {
    const answered = await w.openCase();
    await w.advance('PT2H');
    expect((await w.act(w.tokens.merchant, answered.id, { type: 'respond', message: 'Looking into it.' })).status).toBe(200);
    const closed = await w.openCase();
    await w.advance('PT4H');
    expect((await w.act(w.tokens.merchant, closed.id, { type: 'accept' })).status).toBe(200);
    const r = await t.api('GET', '/api/v1/merchants/shop/insights', { token: w.tokens.merchant });
    expect(r.status).toBe(200);
    expect(r.body.outcomes.customer_won).toBe(1);
    expect(r.body.openCases).toBe(
      r.body.cases - 1 - r.body.outcomes.merchant_won - r.body.outcomes.customer_withdrew - r.body.outcomes.chargeback_filed,
    );
    expect(r.body.answeredCases).toBe(2);
    expect(r.body.medianFirstResponseMs).toBe(3 * 3600 * 1000);
    expect(r.body.weekly.reduce((n: number, x: { opened: number }) => n + x.opened, 0)).toBe(r.body.cases);
  });
});

describe('in production', () => {
  it('has no time machine and no demo list', async () => {
    const prod = await startApp({ DEV_CLOCK: '0', DEMO_SEED: '1' }, { webRoot });
    try {
      const pw = await makeWorld(prod.api);
      expect((await prod.api('POST', '/api/v1/dev/clock', { token: pw.tokens.customer, body: { advance: 'P1D' } })).status).toBe(404);
      expect((await prod.api('GET', '/api/v1/dev/clock', { token: pw.tokens.customer })).status).toBe(404);
    } finally {
      await prod.close();
    }
  });
});
