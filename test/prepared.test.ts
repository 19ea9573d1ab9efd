/** Prepared queries (src/db/prepared.ts): compiled once, each call with its own values, on both dialects. */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../src/db/prepared.js';
import type { DB } from '../src/db/schema.js';
import { type TestApp, startApp } from './support/harness.js';
import { type World, makeWorld } from './support/world.js';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await startApp();
  w = await makeWorld(t.api);
});
afterAll(() => t.close());

describe('prepare', () => {
  it('answers each call with its own values, inside transactions too', async () => {
    const a = await w.openCase();
    const b = await w.openCase();
    const byId = prepare((db: Kysely<DB>, id: string, status: string) =>
      db.selectFrom('cases').select(['id', 'status']).where('id', '=', id).where('status', '=', status),
    );
    const { db } = t.app.services;
    expect(await byId(db, a.id, 'merchant_response_needed')).toEqual([{ id: a.id, status: 'merchant_response_needed' }]);
    expect(await byId(db, b.id, 'merchant_response_needed')).toEqual([{ id: b.id, status: 'merchant_response_needed' }]);
    expect(await byId(db, a.id, 'closed')).toEqual([]);
    expect(await db.transaction().execute((trx) => byId(trx, b.id, 'merchant_response_needed'))).toHaveLength(1);
  });

  it('refuses an argument that would be written into the SQL instead of a parameter', async () => {
    const byColumn = prepare((db: Kysely<DB>, column: string) => db.selectFrom('cases').select(column as 'id'));
    await expect(byColumn(t.app.services.db, 'id')).rejects.toThrow('argument 0 is not a parameter');
  });
});
