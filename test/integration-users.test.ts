/** SPEC §14 read-back and erasure of synced people. */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const platform = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/platform${path}`, { token: w.platform, body });

describe('synced users', () => {
  it('read back as stored, without the password', async () => {
    const r = await platform('GET', '/users/merch');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: 'merch',
      email: 'merch@test.example',
      name: 'Mia Merchant',
      timeZone: 'America/New_York',
      disabled: false,
      hasPassword: true,
      erasedAt: null,
      merchantIds: ['shop'],
    });
    expect(JSON.stringify(r.body)).not.toContain('password_hash');
    expect((await platform('GET', '/users/nobody')).status).toBe(404);
  });

  it('are erased: "Deleted user", no email, sessions ended, cases kept; a later PUT is 409', async () => {
    const c = await w.openCase();
    expect((await platform('DELETE', '/users/cust')).status).toBe(204);
    expect((await t.api('GET', '/api/v1/me', { token: w.tokens.customer })).status).toBe(401);
    const read = (await platform('GET', '/users/cust')).body;
    expect(read).toMatchObject({ id: 'cust', name: 'Deleted user', email: null, hasPassword: false, erasedAt: expect.any(String) });
    const kept = await platform('GET', `/cases/${c.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body.customer).toEqual({ id: 'cust', name: 'Deleted user' });
    expect(kept.body.timeline[0].actor.id).toBe('cust');
    const login = await t.api('POST', '/api/v1/session', { body: { email: 'cust@test.example', password: 'correct horse battery' } });
    expect(login.status).toBe(401);
    expect((await platform('POST', '/login-links', { userId: 'cust' })).status).toBe(409);
    const again = await platform('PUT', '/users/cust', { email: 'cust@test.example', name: 'Cora Again' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('user_erased');
    expect((await platform('DELETE', '/users/cust')).status).toBe(204);
  });
});
