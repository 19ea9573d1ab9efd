/** Concurrency (SPEC §4) and Idempotency-Key (SPEC §9): one wins, nothing is done twice. */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

describe('races', () => {
  it('20 simultaneous openings of one payment: exactly one case', async () => {
    const paymentId = await w.payment();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api('POST', '/api/v1/cases', {
          token: w.tokens.customer,
          body: { paymentId, issueType: 'other', description: 'Racing to open this case.' },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'case_already_exists')).toBe(true);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const mine = (await t.api('GET', '/api/v1/cases?role=customer&limit=100', { token: w.tokens.customer })).body.data;
    expect(mine.filter((c: any) => c.payment.id === paymentId)).toHaveLength(1);
  });

  // Accepting and withdrawing both close the case: whichever lands first makes every other one impossible.
  it('conflicting simultaneous actions: one wins, the others are refused action_not_allowed, one event stored', async () => {
    const c = await w.openCase();
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => w.act(w.tokens.merchant, c.id, { type: 'accept' })),
      ...Array.from({ length: 5 }, () => w.act(w.tokens.customer, c.id, { type: 'withdraw' })),
    ]);
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(409);
      expect(a.body.code).toBe('action_not_allowed');
    }
    const after = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.staff })).body;
    const people = after.timeline.filter((e: any) => e.actor.kind !== 'system');
    expect(people.map((e: any) => e.seq)).toEqual([1, 2]);
    expect(after.version).toBe(2);
  });

  it('simultaneous replies all land, with gapless seq', async () => {
    const c = await w.openCase();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        w.act(i % 2 ? w.tokens.merchant : w.tokens.customer, c.id, { type: 'respond', message: `m${i}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    const after = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.staff })).body;
    expect(after.timeline.map((e: any) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });
});

describe('Idempotency-Key', () => {
  it('a repeat returns the first answer without acting twice', async () => {
    const paymentId = await w.payment();
    const body = { paymentId, issueType: 'other', description: 'Opened once, sent twice.' };
    const headers = { 'idempotency-key': 'open-1' };
    const first = await t.api('POST', '/api/v1/cases', { token: w.tokens.customer, body, headers });
    const again = await t.api('POST', '/api/v1/cases', { token: w.tokens.customer, body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const reply = { type: 'respond', message: 'Only once please' };
    const h2 = { 'idempotency-key': 'reply-1' };
    const a = await t.api('POST', `/api/v1/cases/${first.body.id}/actions`, { token: w.tokens.customer, body: reply, headers: h2 });
    const b = await t.api('POST', `/api/v1/cases/${first.body.id}/actions`, { token: w.tokens.customer, body: reply, headers: h2 });
    expect(b.body).toEqual(a.body);
    const after = (await t.api('GET', `/api/v1/cases/${first.body.id}`, { token: w.tokens.customer })).body;
    expect(after.timeline.filter((e: any) => e.type === 'responded')).toHaveLength(1);
  });

  it('the same key with another body is 422 idempotency_key_reused', async () => {
    const c = await w.openCase();
    const headers = { 'idempotency-key': 'k-reuse' };
    await t.api('POST', `/api/v1/cases/${c.id}/actions`, { token: w.tokens.customer, body: { type: 'respond', message: 'one' }, headers });
    const r = await t.api('POST', `/api/v1/cases/${c.id}/actions`, {
      token: w.tokens.customer,
      body: { type: 'respond', message: 'two' },
      headers,
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('idempotency_key_reused');
  });

  it('keys are per caller, refusals replay too, and keys expire after 24 hours', async () => {
    const c = await w.openCase();
    const body = { type: 'respond', message: 'same key, other person' };
    const headers = { 'idempotency-key': 'shared' };
    const a = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { token: w.tokens.customer, body, headers });
    const b = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { token: w.tokens.merchant, body, headers });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBeNull();

    const bad = { type: 'deny' };
    const h = { 'idempotency-key': 'refused' };
    const r1 = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { token: w.tokens.merchant, body: bad, headers: h });
    const r2 = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { token: w.tokens.merchant, body: bad, headers: h });
    expect(r1.status).toBe(400);
    expect(r2.body).toEqual(r1.body);

    await w.advance('PT24H1M');
    const later = await t.api('POST', `/api/v1/cases/${c.id}/actions`, { token: w.tokens.customer, body, headers });
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    const after = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer })).body;
    expect(after.timeline.filter((e: any) => e.message === 'same key, other person')).toHaveLength(3);
  });
});
