/** The invariant checker itself: quiet on a healthy database, loud on each kind of damage. */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/ops/invariants.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const check = () => checkInvariants(t.app.services.db, t.app.services.clock.now());

describe('the invariant checker', () => {
  it('finds nothing wrong after ordinary traffic, and each kind of damage when it is there', async () => {
    const a = await w.openCase();
    const b = await w.openCase();
    await w.act(w.tokens.merchant, b.id, { type: 'accept' });
    await w.advance('PT1M');
    expect(await check()).toEqual([]);

    const db = t.app.services.db;
    await db.updateTable('cases').set({ status: 'merchant_won' }).where('id', '=', a.id).execute();
    await db.updateTable('payments').set({ refunded_amount: 20000 }).where('id', '=', b.payment.id).execute();
    await db.deleteFrom('case_events').where('case_id', '=', b.id).where('seq', '=', 2).execute();
    await db
      .insertInto('outbox')
      .values({
        kind: 'remedy',
        case_id: b.id,
        payload: '{}',
        idempotency_key: 'another-key',
        status: 'dead',
        last_error: null,
        run_at: '2000-01-01T00:00:00.000Z',
        created_at: '2000-01-01T00:00:00.000Z',
        updated_at: '2000-01-01T00:00:00.000Z',
      })
      .execute();
    const problems = (await check()).join('\n');
    expect(problems).toMatch(new RegExp(`case ${a.id}: status merchant_won but its events say merchant_response_needed`));
    expect(problems).toMatch(/half-written/);
    expect(problems).toMatch(/over_refunded: 10000 refunded here \+ 10000 elsewhere \+ 0 credited = 20000 of 10000/);
    expect(problems).toMatch(/gap or duplicate/);
    expect(problems).toMatch(/refund requested under 2 different keys/);
    expect(problems).toMatch(/dead without a reason/);
  });
});
