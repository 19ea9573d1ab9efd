/**
 * SQLite's group commit (src/db/sqlite-driver.ts): transactions that queue for the writer
 * share one durable COMMIT, and still behave one by one: a failing member takes nothing
 * else with it, no read sees work before it is committed, and nothing is acknowledged
 * before its COMMIT (a process killed at any moment keeps every write it answered for).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type Generated, type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';

interface T {
  items: { id: Generated<number>; name: string };
}

let dir: string;
let file: string;
let db: Kysely<T>;
let close: () => Promise<void>;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-driver-'));
  file = path.join(dir, 'db.sqlite');
  const database = openDatabase(`sqlite://${file}`);
  db = database.db as unknown as Kysely<T>;
  close = database.close;
  await sql`create table items (id integer primary key, name text not null unique)`.execute(db);
});
afterEach(async () => {
  await close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What another connection (another process, or the file after a crash) sees. */
function committed(): string[] {
  const other = new SQLite(file, { readonly: true });
  try {
    return (other.prepare('select name from items order by id').all() as { name: string }[]).map((r) => r.name);
  } finally {
    other.close();
  }
}

const insert = (k: Kysely<T>, name: string) => k.insertInto('items').values({ name }).execute();

describe('statements outside a transaction', () => {
  it('run DDL the reader has not caught up with: an index dropped and made again under its name', async () => {
    await sql`create index items_name on items (name)`.execute(db);
    await sql`drop index items_name`.execute(db);
    await sql`create index items_name on items (id, name)`.execute(db);
    await insert(db, 'after');
    expect(committed()).toEqual(['after']);
    // A statement that is wrong for the writer too still fails, with the writer's error.
    await expect(sql`create index items_name on items (name)`.execute(db)).rejects.toThrow(/already exists/);
  });
});

describe('group commit on SQLite', () => {
  it('answers each of 50 concurrent transactions only once it is committed', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    await Promise.all(
      names.map((name) =>
        db
          .transaction()
          .execute((trx) => insert(trx, name))
          // The moment a caller hears "done", the row is in the file for everyone.
          .then(() => expect(committed()).toContain(name)),
      ),
    );
    expect(committed().sort()).toEqual([...names].sort());
  });

  it('a failing member takes nothing else with it', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await insert(trx, `ok${i}`);
          if (i === 3) throw new Error('changed my mind');
          // A constraint violation is a failure inside the member, too.
          if (i === 6) await insert(trx, 'ok0');
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      ...Array(3).fill('fulfilled'),
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
      ...Array(3).fill('fulfilled'),
    ]);
    expect(committed().sort()).toEqual(['ok0', 'ok1', 'ok2', 'ok4', 'ok5', 'ok7', 'ok8', 'ok9']);
  });

  it('no read outside a transaction sees work that is not committed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction().execute(async (trx) => {
      await insert(trx, 'pending');
      inserted();
      await held;
    });
    await didInsert;
    expect(await db.selectFrom('items').select('name').execute()).toEqual([]);
    release();
    await tx;
    expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'pending' }]);
  });

  it('a write outside a transaction is answered once committed, and a failing one alone fails', async () => {
    await Promise.all(['single', 's1', 's2', 's3'].map((name) => insert(db, name).then(() => expect(committed()).toContain(name))));
    const [dup, other] = await Promise.allSettled([insert(db, 'single'), insert(db, 'other')]);
    expect(dup.status).toBe('rejected');
    expect(other.status).toBe('fulfilled');
    expect(committed()).toEqual(['single', 's1', 's2', 's3', 'other']);
  });

  it('when the group COMMIT fails, every member fails, nothing is kept, and the next transaction works', async () => {
    // A deferred foreign key is checked at COMMIT: one bad member makes the group's COMMIT fail.
    await sql`create table parents (id integer primary key)`.execute(db);
    await sql`create table children (parent integer references parents (id) deferrable initially deferred)`.execute(db);
    const results = await Promise.allSettled([
      db.transaction().execute((trx) => insert(trx, 'good')),
      db.transaction().execute((trx) => sql`insert into children (parent) values (42)`.execute(trx)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(committed()).toEqual([]);
    await db.transaction().execute((trx) => insert(trx, 'after'));
    expect(committed()).toEqual(['after']);
  });

  it('a process killed with SIGKILL keeps every write it acknowledged', { timeout: 60_000 }, async () => {
    const script = path.join(dir, 'writer.ts');
    fs.writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(path.resolve('src/db/database.ts'))};
const { db } = openDatabase(${JSON.stringify(`sqlite://${file}`)});
let n = 0;
const loop = async () => {
  for (;;) {
    const name = 'w' + n++;
    await db.insertInto('items' as never).values({ name } as never).execute();
    process.stdout.write(name + '\\n');
  }
};
for (let i = 0; i < 16; i++) void loop();
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acknowledged: string[] = [];
    let rest = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop() ?? '';
        acknowledged.push(...lines);
        if (acknowledged.length >= 2000 && child.signalCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    const kept = new Set(committed());
    expect(acknowledged.filter((name) => !kept.has(name))).toEqual([]);
  });
});

describe('planner statistics on SQLite', () => {
  it("drops ANALYZE's STAT4 samples when the file is opened, and keeps its row counts", async () => {
    await sql`create index items_name_len on items (length(name))`.execute(db);
    for (let i = 0; i < 50; i++) await insert(db, `item-${i}`);
    const operator = new SQLite(file);
    operator.exec('analyze');
    const count = (table: string) => (operator.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    expect(count('sqlite_stat4')).toBeGreaterThan(0);
    await close();
    const reopened = openDatabase(`sqlite://${file}`);
    close = reopened.close;
    // With samples, SQLite re-plans a statement on every new binding (src/db/database.ts).
    expect(count('sqlite_stat4')).toBe(0);
    expect(count('sqlite_stat1')).toBeGreaterThan(0);
    expect(
      await reopened.db
        .selectFrom('items' as never)
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirst(),
    ).toEqual({ n: 50 });
    operator.close();
  });
});
