/**
 * Without SMTP_URL (outside production) mail lands in the local mailbox, read
 * by the platform and by each logged-in person; production refuses to start
 * without SMTP_URL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { PLATFORM_KEY, startApp } from './support/harness.js';
import { useWorld } from './support/world.js';

let caseId: string;
const { t, w } = useWorld();
beforeAll(async () => {
  caseId = (await w.openCase()).id;
  await w.act(w.tokens.merchant, caseId, { type: 'respond', message: 'Hello <b>there</b>' });
  await w.advance('PT0S');
});

describe('the local mailbox', () => {
  it('keeps every mail for the platform, newest first, cursor-paginated', async () => {
    const all = await t.api('GET', '/api/v1/platform/dev/mailbox', { token: PLATFORM_KEY });
    expect(all.status).toBe(200);
    expect(all.body.data.map((m: any) => m.to)).toEqual([
      'cust@test.example',
      'merch@test.example',
      'support@shop.example',
      'cust@test.example',
    ]);
    const newest = all.body.data[0];
    expect(newest).toMatchObject({ to: 'cust@test.example', caseId });
    expect(Object.keys(newest).sort()).toEqual(['caseId', 'createdAt', 'html', 'id', 'subject', 'text', 'to']);
    expect(newest.subject).toBe(`[Resolution Center] Case ${caseId} (Course) — Mia Merchant replied`);
    expect(newest.html).toContain('Hello &#60;b&#62;there&#60;/b&#62;');
    expect(newest.text).toContain('> Hello <b>there</b>');

    const page1 = await t.api('GET', '/api/v1/platform/dev/mailbox?limit=3', { token: PLATFORM_KEY });
    expect(page1.body.data).toHaveLength(3);
    const page2 = await t.api('GET', `/api/v1/platform/dev/mailbox?limit=3&cursor=${page1.body.nextCursor}`, { token: PLATFORM_KEY });
    expect(page2.body.data.map((m: any) => m.id)).toEqual([all.body.data[3].id]);
    expect(page2.body.nextCursor).toBeNull();
    const filtered = await t.api('GET', '/api/v1/platform/dev/mailbox?to=support@shop.example', { token: PLATFORM_KEY });
    expect(filtered.body.data).toHaveLength(1);
  });

  it('shows each person their own mail; staff see all', async () => {
    const to = async (token: string) =>
      ((await t.api('GET', '/api/v1/dev/mailbox', { token })).body.data as { to: string }[]).map((m) => m.to);
    expect(await to(w.tokens.customer)).toEqual(['cust@test.example', 'cust@test.example']);
    expect((await to(w.tokens.merchant)).sort()).toEqual(['merch@test.example', 'support@shop.example']);
    expect(await to(w.tokens.otherCustomer)).toEqual([]);
    expect(await to(w.tokens.staff)).toHaveLength(4);
    const byCase = await t.api('GET', `/api/v1/dev/mailbox?caseId=${caseId}&limit=1`, { token: w.tokens.customer });
    expect(byCase.body.data).toHaveLength(1);
    expect(byCase.body.nextCursor).toEqual(expect.any(String));
  });

  it('delivers each outbox row once into the mailbox even when it runs again', async () => {
    const before = (await t.api('GET', '/api/v1/platform/dev/mailbox', { token: PLATFORM_KEY })).body.data.length;
    // A crash after storing but before recording: the row runs again, with the same Message-ID.
    const now = t.app.services.clock.now().toISOString();
    await t.app.services.db.updateTable('outbox').set({ status: 'pending', run_at: now }).where('kind', '=', 'email').execute();
    await w.advance('PT0S');
    const rerun = await t.app.services.db.selectFrom('outbox').select(['status', 'attempts']).where('kind', '=', 'email').execute();
    expect(rerun.map((r) => [r.status, r.attempts])).toEqual(Array(4).fill(['done', 2]));
    const after = (await t.api('GET', '/api/v1/platform/dev/mailbox', { token: PLATFORM_KEY })).body.data.length;
    expect(after).toBe(before);
  });

  it('lists outbox rows by status for the platform', async () => {
    const done = await t.api('GET', '/api/v1/platform/outbox?status=done&kind=email', { token: PLATFORM_KEY });
    expect(done.status).toBe(200);
    expect(done.body.data).toHaveLength(4);
    expect(done.body.data[0]).toMatchObject({ kind: 'email', status: 'done', caseId, lastError: null });
    const pending = await t.api('GET', '/api/v1/platform/outbox?status=pending', { token: PLATFORM_KEY });
    // The merchant's reminder waits for its time.
    expect(pending.body.data.map((r: any) => r.kind)).toEqual(['reminder']);
    expect(pending.body.data[0].runAt).toBe('2026-03-07T09:00:00.000Z');
  });
});

describe('the demo seed', () => {
  it('mails nothing about the past but schedules the reminders of its live deadlines', async () => {
    const demo = await startApp({ DEMO_SEED: '1' });
    try {
      const rows = async (q: string) =>
        (await demo.api('GET', `/api/v1/platform/outbox?limit=100&${q}`, { token: PLATFORM_KEY })).body.data;
      expect(await rows('kind=email')).toEqual([]);
      expect(await rows('kind=webhook')).toEqual([]);
      const reminders = await rows('kind=reminder');
      expect(reminders.length).toBeGreaterThan(0);
      const { body: mailbox } = await demo.api('GET', '/api/v1/platform/dev/mailbox', { token: PLATFORM_KEY });
      expect(mailbox.data).toEqual([]);
    } finally {
      await demo.close();
    }
  });
});

describe('production', () => {
  it('refuses to start without SMTP_URL', () => {
    const env = {
      NODE_ENV: 'production',
      PLATFORM_API_KEY: 'k'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      PUBLIC_URL: 'https://rc.example',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/SMTP_URL/);
    expect(loadConfig({ ...env, SMTP_URL: 'smtp://mail.example:587' }).smtpUrl).toBe('smtp://mail.example:587');
  });
});
