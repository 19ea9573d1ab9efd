/** SPEC §14 sign-in from the marketplace: login links with `returnTo` and `ttl`. */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const link = (body: Record<string, unknown>) => t.api('POST', '/api/v1/platform/login-links', { token: w.platform, body });
const signIn = (loginToken: string) => t.api('POST', '/api/v1/session', { body: { loginToken } });

describe('login links', () => {
  it('land on returnTo and last ttl (default 15 minutes, at most an hour)', async () => {
    const c = await w.openCase();
    const now = Date.parse((await t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
    const r = await link({ userId: 'cust', returnTo: `/cases/${c.id}?tab=files`, ttl: 'PT1H' });
    expect(r.status).toBe(201);
    expect(new URL(r.body.url).searchParams.get('next')).toBe(`/cases/${c.id}?tab=files`);
    expect(new URL(r.body.url).searchParams.get('token')).toBe(r.body.token);
    expect(r.body.expiresAt).toBe(new Date(now + 3_600_000).toISOString());
    const plain = await link({ userId: 'cust' });
    expect(plain.body.expiresAt).toBe(new Date(now + 15 * 60_000).toISOString());
    expect(new URL(plain.body.url).searchParams.has('next')).toBe(false);
    // 59 minutes on, the hour-long link still works and the default one no longer does.
    await w.advance('PT59M');
    expect((await signIn(plain.body.token)).status).toBe(401);
    const session = await signIn(r.body.token);
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe('cust');
  });

  it('refuse a returnTo that could leave the service, and a ttl over an hour', async () => {
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'cases/1',
      '/a//b',
      'javascript:alert(1)',
      '/x\ny',
    ])
      expect((await link({ userId: 'cust', returnTo })).status, returnTo).toBe(400);
    for (const ttl of ['PT61M', 'PT2H', 'P1D', 'PT0S', '15m']) {
      const r = await link({ userId: 'cust', ttl });
      expect(r.status, ttl).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    expect((await link({ userId: 'cust', ttl: 'PT30M', returnTo: '/orders' })).status).toBe(201);
  });
});
