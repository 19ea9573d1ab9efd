/**
 * Opening the database a URL names, with what each connection needs. SQLite: a file in
 * WAL mode with synchronous=FULL, a writer and a reader connection behind the
 * group-commit driver (sqlite-driver.ts), ANALYZE's STAT4 samples dropped at open.
 * PostgreSQL: a pool of ten whose `prepare()`d queries go as named statements
 * (prepared.ts), with int8 read as a number. Also SQLite's online backup (`backup`),
 * applying the migrations (`migrateToLatest`, at every start of the app and by `migrate`)
 * and the readiness check's count of pending ones. The dialect differences queries and
 * migrations need at run time are in dialect.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type Dialect as KyselyDialect,
  Kysely,
  Migrator,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import { renameStatement, statementName } from './prepared.js';
import { GroupCommitDriver } from './sqlite-driver.js';
import type { Dialect } from './dialect.js';
import type { DB } from './schema.js';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  close: () => Promise<void>;
  /** SQLite only: a consistent copy through SQLite's online backup API, while the service runs. */
  backup?(file: string): Promise<void>;
}

// int8 (bigint money, count(*)) comes back from pg as a string; our amounts fit in 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Kysely's SQLite SQL, adapter and introspection over the group-commit driver. */
function groupCommitSqlite(driver: GroupCommitDriver): KyselyDialect {
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}

/** The pragmas of every connection to the file. */
function connect(file: string): SQLite.Database {
  const sqlite = new SQLite(file);
  // WAL lets readers run beside the writer; synchronous=FULL keeps every commit
  // durable across power loss (NORMAL could lose the last commits: not for money).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

/**
 * ANALYZE's STAT4 samples (better-sqlite3 builds SQLite with them) make SQLite re-plan a
 * statement every time a parameter is bound anew, i.e. on every call: the case read's join
 * took 105 µs instead of 21 once an operator had run ANALYZE. The row counts of
 * sqlite_stat1 stay; the samples are dropped at start and the planner reloads the rest.
 */
function dropStat4Samples(sqlite: SQLite.Database): void {
  const hasTable = sqlite.prepare("select 1 from sqlite_schema where type = 'table' and name = 'sqlite_stat4'").get();
  if (!hasTable || !sqlite.prepare('select 1 from sqlite_stat4 limit 1').get()) return;
  sqlite.exec('delete from sqlite_stat4; analyze sqlite_schema');
}

/**
 * node-postgres sends queries unnamed, so PostgreSQL parses and plans each one on every
 * call (for the case read's join, more than running it). Queries built by `prepare()`
 * go as named statements instead, parsed and planned once per connection. A schema
 * change under a named statement can make PostgreSQL refuse it ("cached plan must not
 * change result type", 0A000): it is then sent under a fresh name (inside a transaction
 * that retry fails with the aborted transaction; the next transaction uses the new name).
 */
function namingPool(pool: pg.Pool): PostgresPool {
  return {
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      const run = async (sql: string, values: unknown[]) => {
        const name = statementName(sql);
        if (!name) return client.query(sql, values);
        try {
          return await client.query({ name, text: sql, values });
        } catch (err) {
          if ((err as { code?: string }).code !== '0A000') throw err;
          return client.query({ name: renameStatement(sql), text: sql, values });
        }
      };
      return {
        // Kysely streams through a cursor object; everything else is SQL text and values.
        query: ((sql: unknown, values?: readonly unknown[]) =>
          typeof sql === 'string' ? run(sql, [...(values ?? [])]) : client.query(sql as never)) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openDatabase(url: string): Database {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server closes (restart, failover, admin termination) is dropped
    // from the pool and replaced on next use; without a listener pg would crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = connect(file);
  dropStat4Samples(sqlite);
  // An in-memory database has no second connection: reads then use the writer.
  const driver = new GroupCommitDriver(sqlite, file === ':memory:' ? null : connect(file));
  const db = new Kysely<DB>({ dialect: groupCommitSqlite(driver) });
  return {
    db,
    dialect: 'sqlite',
    close: () => db.destroy(),
    backup: async (target) => {
      await sqlite.backup(target);
    },
  };
}

export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('Migrating failed.', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Readiness: the database answers and no migration is pending. */
export async function pendingMigrations(db: Kysely<DB>): Promise<number> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).length;
}
