/** A fresh database per section (dropped after), migrated, with the planner's statistics after seeding. */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { type FreshDatabase, freshDatabase } from '../test/support/databases.js';
import { type Dialect, pgServer, tmp } from './options.js';

export async function freshDb(dialect: Dialect, name: string): Promise<FreshDatabase> {
  if (dialect === 'postgres' && !pgServer) throw new Error('PostgreSQL needs DATABASE_URL=postgres://…');
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const db = await freshDatabase(dir, { postgres: dialect === 'postgres' ? pgServer : null, name: `rc_bench_${process.pid}_${name}` });
  return { url: db.url, drop: async () => (await db.drop(), fs.rmSync(dir, { recursive: true, force: true })) };
}

export async function migrate(url: string) {
  const database = openDatabase(url);
  await migrateToLatest(database.db);
  await database.close();
}

export async function vacuumAnalyze(url: string) {
  if (url.startsWith('sqlite')) {
    const s = new SQLite(url.replace(/^sqlite:(\/\/)?/, ''));
    s.exec('analyze');
    s.close();
    return;
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('vacuum analyze');
  await c.end();
}
