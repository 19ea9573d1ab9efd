/**
 * Queries whose shape never changes, built and compiled by Kysely once.
 *
 * Kysely builds and compiles a query on every call: for the case read's join that was
 * about 60 µs, more than SQLite took to answer it. A prepared query is built once, on
 * its first call, with marker values in place of its arguments; each call puts the real
 * values where the markers landed among the compiled parameters and runs the same SQL.
 * SQLite's driver keeps every statement anyway; on PostgreSQL the SQL is also sent as a
 * named statement, so each connection parses and plans it once.
 */
import type { CompiledQuery, Compilable, Kysely } from 'kysely';

const marker = (i: number) => `\u0000rc-arg-${i}\u0000`;

/** The SQL texts of prepared queries, with the statement name PostgreSQL keeps each under. */
const names = new Map<string, string>();

/** The statement name of a prepared query's SQL (src/db/database.ts sends those named), or undefined. */
export function statementName(sql: string): string | undefined {
  return names.get(sql);
}

/** A new name for a statement PostgreSQL can no longer run under the old one (the table changed under it). */
export function renameStatement(sql: string): string {
  const name = `rc_${names.size + 1}_${Date.now().toString(36)}`;
  names.set(sql, name);
  return name;
}

/**
 * `build` gets the database (or transaction) of the first call and the arguments, each
 * of which must become a parameter; every call may run on another database or transaction.
 */
export function prepare<DB, A extends unknown[], R>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<R>,
): (db: Kysely<DB>, ...args: A) => Promise<R[]> {
  let compiled: CompiledQuery<R> | null = null;
  let slots: number[] = [];
  return async (db, ...args) => {
    if (!compiled) {
      const markers = args.map((_, i) => marker(i));
      compiled = build(db, ...(markers as A)).compile();
      if (!names.has(compiled.sql)) names.set(compiled.sql, `rc_${names.size + 1}`);
      slots = compiled.parameters.map((p) => markers.indexOf(p as string));
      // An argument that is not a parameter would be baked into the SQL text.
      markers.forEach((_, i) => {
        if (!slots.includes(i)) throw new Error(`prepare: argument ${i} is not a parameter`);
      });
    }
    const parameters = compiled.parameters.map((p, i) => (slots[i] === -1 ? p : args[slots[i] as number]));
    return (await db.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
