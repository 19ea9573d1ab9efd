/** Prepared queries (src/db/prepared.ts): compiled once, each call with its own values, on both dialects. */
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { prepare } from '../src/db/prepared.js';
import type { DB } from '../src/db/schema.js';
import { postgresUrl } from './support/harness.js';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

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

describe.runIf(postgresUrl() !== null)('prepare on PostgreSQL', () => {
  it('sends the query as a named statement, which PostgreSQL plans once per connection', async () => {
    const byId = prepare((db: Kysely<DB>, id: string) => db.selectFrom('cases').select(['id', 'version']).where('id', '=', id));
    const a = await w.openCase();
    const statements = await t.app.services.db.transaction().execute(async (trx) => {
      expect(await byId(trx, a.id)).toEqual([{ id: a.id, version: 1 }]);
      return (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(trx)).rows.map((r) => r.statement);
    });
    expect(statements.some((s) => s.includes('"version"') && s.includes('from "cases"'))).toBe(true);
  });

  it('still answers after the table changes under a prepared select *', async () => {
    const { db } = t.app.services;
    await sql`create table prepared_probe (id text primary key)`.execute(db);
    await sql`insert into prepared_probe values ('x')`.execute(db);
    const all = prepare((k: Kysely<DB>, id: string) =>
      k
        .selectFrom('prepared_probe' as never)
        .selectAll()
        .where('id' as never, '=', id as never),
    );
    // Every pooled connection plans it, so the change lands under some of them.
    for (let i = 0; i < 20; i++) expect(await Promise.all(Array.from({ length: 10 }, () => all(db, 'x')))).toHaveLength(10);
    await sql`alter table prepared_probe add column note text default 'n'`.execute(db);
    for (let i = 0; i < 5; i++)
      for (const rows of await Promise.all(Array.from({ length: 10 }, () => all(db, 'x')))) expect(rows).toEqual([{ id: 'x', note: 'n' }]);
  });
});
