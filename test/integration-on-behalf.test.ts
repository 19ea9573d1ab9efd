/**
 * SPEC §14 "Acting for a person": the platform key with `RC-On-Behalf-Of` calls person
 * endpoints as that person, with that person's rights, and the timeline says so.
 */
import { describe, expect, it } from 'vitest';
import { TEXT } from './support/files.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const as = (userId: string) => ({ token: w.platform, headers: { 'rc-on-behalf-of': userId } });

async function upload(userId: string) {
  const form = new FormData();
  form.append('file', new Blob([TEXT], { type: 'text/plain' }), 'receipt.txt');
  const res = await fetch(`${t.url}/api/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.platform}`, 'rc-on-behalf-of': userId },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('RC-On-Behalf-Of', () => {
  it('opens a case with a file, acts and downloads as the person; events say via platform', async () => {
    const file = await upload('cust');
    expect(file.status).toBe(201);
    const paymentId = await w.payment();
    const opened = await t.api('POST', '/api/v1/cases', {
      ...as('cust'),
      body: { paymentId, issueType: 'other', description: 'Opened from the marketplace UI.', attachmentIds: [file.body.id] },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body.role).toBe('customer');
    expect(opened.body.timeline[0].actor).toEqual({ kind: 'customer', id: 'cust', name: 'Cora Customer', via: 'platform' });

    const replied = await t.api('POST', `/api/v1/cases/${opened.body.id}/actions`, {
      ...as('merch'),
      body: { type: 'respond', message: 'Answered from the seller dashboard.' },
    });
    expect(replied.status).toBe(200);
    expect(replied.body.timeline.at(-1).actor).toMatchObject({ kind: 'merchant', id: 'merch', via: 'platform' });

    // The person's own session sees the same events, marked; their own actions are not.
    const own = await w.act(w.tokens.customer, opened.body.id, { type: 'respond', message: 'And from my own browser.' });
    expect(own.body.timeline.at(-1).actor).toEqual({ kind: 'customer', id: 'cust', name: 'Cora Customer' });

    const dl = await fetch(`${t.url}/api/v1/cases/${opened.body.id}/attachments/${file.body.id}`, {
      headers: { authorization: `Bearer ${w.platform}`, 'rc-on-behalf-of': 'merch' },
    });
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).equals(TEXT)).toBe(true);
  });

  it('has exactly the person’s rights: a case they may not see is 404, staff routes 403', async () => {
    const c = await w.openCase();
    expect((await t.api('GET', `/api/v1/cases/${c.id}`, as('cust2'))).status).toBe(404);
    expect((await t.api('GET', `/api/v1/cases/${c.id}`, as('merch2'))).status).toBe(404);
    expect((await t.api('GET', `/api/v1/review-queue`, as('cust'))).status).toBe(403);
    expect((await t.api('GET', `/api/v1/review-queue`, as('staff1'))).status).toBe(200);
    const me = await t.api('GET', '/api/v1/me', as('merch'));
    expect(me.body.user.id).toBe('merch');
    expect(me.body.merchants).toEqual([{ id: 'shop', name: 'Shop One' }]);
  });

  it('refuses an unknown or disabled user with 400, and the bare key on person routes with 403', async () => {
    for (const who of ['nobody_here', 'not an id']) {
      const r = await t.api('GET', '/api/v1/me', as(who));
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors[0].path).toBe('headers.rc-on-behalf-of');
    }
    const put = await t.api('PUT', '/api/v1/platform/users/gone', {
      token: w.platform,
      body: { email: 'gone@test.example', name: 'Gone', disabled: true },
    });
    expect(put.status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', as('gone'))).status).toBe(400);
    expect((await t.api('GET', '/api/v1/me', { token: w.platform })).status).toBe(403);
  });

  it('keeps idempotency keys apart per person', async () => {
    const c = await w.openCase();
    const key = { 'idempotency-key': 'same-key-1' };
    const body = { type: 'respond', message: 'Once, for the merchant.' };
    const first = await t.api('POST', `/api/v1/cases/${c.id}/actions`, {
      token: w.platform,
      headers: { 'rc-on-behalf-of': 'merch', ...key },
      body,
    });
    const again = await t.api('POST', `/api/v1/cases/${c.id}/actions`, {
      token: w.platform,
      headers: { 'rc-on-behalf-of': 'merch', ...key },
      body,
    });
    expect(again.body.version).toBe(first.body.version);
    const other = await t.api('POST', `/api/v1/cases/${c.id}/actions`, {
      token: w.platform,
      headers: { 'rc-on-behalf-of': 'cust2', ...key },
      body,
    });
    expect(other.status).toBe(404);
  });
});
