/** What leaves the process besides answers: logs without secrets, and security headers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startApp } from './support/harness.js';
import { makeWorld, useWorld } from './support/world.js';

let logFile: string;
const { t } = useWorld({
  people: false,
  parts: () => {
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rc-logs-')), 'service.log');
    // The service's own logger (redaction included), at its most talkative, into a file.
    return { logger: createLogger({ ...loadConfig({}), logLevel: 'trace' }, pino.destination({ dest: logFile, sync: true })) };
  },
});

describe('logs', () => {
  it('carry one line per request with its id, and no token, password or key', async () => {
    const w = await makeWorld(t.api);
    const c = await w.openCase();
    await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'No.' });
    const link = await t.api('POST', '/api/v1/platform/login-links', { token: w.platform, body: { userId: 'cust' } });
    await t.api('POST', '/api/v1/session', { body: { loginToken: link.body.token } });
    await t.api('POST', '/api/v1/session', { body: { email: 'cust@test.example', password: 'wrong password 123' } });
    await t.api('GET', '/api/v1/me', { headers: { cookie: `rc_session=${w.tokens.customer}` } });
    const webhookSecret = 'whsec-logs-0123456789abcdef';
    const hook = await t.api('PUT', '/api/v1/platform/webhook-endpoints/logs', {
      token: w.platform,
      body: { url: 'http://127.0.0.1:9/hooks', secret: webhookSecret, events: ['case.created'], enabled: true },
    });
    expect(hook.status).toBeLessThan(300);
    await w.openCase();
    await w.advance('PT1M');
    const log = fs.readFileSync(logFile, 'utf8');
    const lines = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(20);
    expect(requests.every((l) => typeof l.reqId === 'string' && typeof l.status === 'number')).toBe(true);
    for (const secret of [
      w.platform,
      webhookSecret,
      link.body.token,
      'correct horse battery',
      'wrong password 123',
      ...Object.values(w.tokens),
    ])
      expect(log.includes(secret), `log contains ${secret.slice(0, 6)}…`).toBe(false);
  });
});

describe('security headers', () => {
  it('a CSP on every answer, nosniff, no HSTS over plain http', async () => {
    const r = await t.api('GET', '/healthz');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(r.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });

  it('HSTS and Secure cookies when served over https', async () => {
    const t2 = await startApp({ PUBLIC_URL: 'https://rc.example' });
    try {
      const r = await t2.api('GET', '/healthz');
      expect(r.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      await makeWorld(t2.api);
      const login = await t2.api('POST', '/api/v1/session', { body: { email: 'cust@test.example', password: 'correct horse battery' } });
      expect(login.headers.get('set-cookie')).toMatch(/Secure/);
    } finally {
      await t2.close();
    }
  });
});
