/**
 * A fresh, empty database for one test app or one bench scenario: SQLite in a given
 * directory, or — when a PostgreSQL server is named — a new database on it.
 */
import path from 'node:path';
import pg from 'pg';

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/** DATABASE_URL when it names a PostgreSQL server, else null (SQLite). */
export const postgresUrl = (): string | null => {
  const url = process.env.DATABASE_URL;
  return url && /^postgres(ql)?:\/\//.test(url) ? url : null;
};

async function admin(server: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** `name` (a plain identifier) is the PostgreSQL database's; one left by an earlier run is replaced. */
export async function freshDatabase(
  dir: string,
  { postgres = postgresUrl(), name = `rc_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}` } = {},
): Promise<FreshDatabase> {
  if (!postgres) return { url: `sqlite://${path.join(dir, 'test.sqlite')}`, drop: async () => {} };
  await admin(postgres, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(postgres, `CREATE DATABASE ${name}`);
  const url = new URL(postgres);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(postgres, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
