/**
 * SQLite with durable commits that cost one fsync per group, not per transaction.
 *
 * With `synchronous=FULL` every COMMIT waits for the disk, and better-sqlite3 waits on the
 * event loop's thread: under concurrent writes that fsync was the largest single cost of
 * a request. Here the writer connection keeps one `BEGIN IMMEDIATE` open for the
 * transactions of one event-loop turn; each runs inside its own SAVEPOINT, one after
 * another, and the group is committed at the end of the turn (or once it has `MAX_GROUP`
 * members). No caller hears "committed" before the group's COMMIT has returned, so
 * nothing is acknowledged that a crash could lose; if the group fails, every member fails.
 *
 * Reads outside a transaction go to a second connection, which in WAL mode sees only
 * committed data and never waits for the writer.
 */
import type SQLite from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';

/**
 * Transactions per COMMIT at most: bounds the wait of the group's first member. At 16, a turn
 * that read 32 requests' bodies paid two fsyncs on the event loop; at 32 (issue 20's bench,
 * 32 connections) opening a case went from 1 431–1 460 to 1 585–1 629 req/s and its p99 from
 * 71–221 to 37–55 ms.
 */
const MAX_GROUP = 32;

/**
 * Kysely prepares every query afresh, and better-sqlite3 compiles the SQL on each
 * prepare: on the read path that was a good part of each request. The service's
 * queries are a few hundred distinct texts, so their statements are kept (bounded).
 * Reuse is safe: each statement runs to completion synchronously (nothing is streamed).
 */
class Statements {
  private readonly kept = new Map<string, SQLite.Statement>();
  constructor(
    readonly db: SQLite.Database,
    private readonly max = 2000,
  ) {}

  get(sql: string): SQLite.Statement {
    let stmt = this.kept.get(sql);
    if (!stmt) {
      if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value as string);
      stmt = this.db.prepare(sql);
      this.kept.set(sql, stmt);
    }
    return stmt;
  }
}

function run(stmt: SQLite.Statement, parameters: readonly unknown[]): QueryResult<unknown> {
  if (stmt.reader) return { rows: stmt.all(parameters) };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

interface Group {
  members: number;
  durable: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommitDriver implements Driver {
  private readonly writer: Statements;
  private readonly reader: Statements | null;
  private locked = false;
  private readonly waiting: (() => void)[] = [];
  private group: Group | null = null;
  private commitScheduled = false;
  private readonly maxGroup: number;

  /** `readerDb` null (an in-memory database has no second connection): reads use the writer and groups are of one. */
  constructor(writerDb: SQLite.Database, readerDb: SQLite.Database | null) {
    this.writer = new Statements(writerDb);
    this.reader = readerDb ? new Statements(readerDb) : null;
    this.maxGroup = readerDb ? MAX_GROUP : 1;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Handle(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.enter(() => this.writer.db.exec('savepoint rc_tx'));
    (connection as Handle).inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as Handle).inTransaction = false;
    await this.leave(() => this.writer.db.exec('release rc_tx'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as Handle;
    // Kysely also rolls back when the commit failed (the group's COMMIT did): the member
    // has already left the group and given up the lock, so there is nothing to undo here.
    if (!handle.inTransaction) return;
    handle.inTransaction = false;
    // The rest of the group stays; the group's fate is not this caller's concern.
    void this.leave(() => this.writer.db.exec('rollback to rc_tx; release rc_tx')).catch(() => undefined);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    while (this.locked || this.group) {
      if (this.locked) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else await new Promise((resolve) => setImmediate(resolve));
    }
    this.writer.db.close();
    this.reader?.db.close();
  }

  /** A statement outside any transaction: reads from the reader; a write joins the group and returns once durable. */
  async single(query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (this.reader) {
      const stmt = this.onReader(query.sql);
      if (stmt?.readonly) return run(stmt, query.parameters);
    } else if (!this.group) {
      const stmt = this.writer.get(query.sql);
      if (stmt.readonly) return run(stmt, query.parameters);
    }
    await this.enter();
    // One statement is atomic: if it fails, SQLite undoes it alone and the group carries on.
    return this.leave(() => run(this.writer.get(query.sql), query.parameters));
  }

  /**
   * The reader's statement for `sql`, to learn whether it only reads; null when the reader
   * cannot compile it. DDL can be one of those: the reader's schema may not show the writer's
   * last change yet (a dropped index re-created under its name is "already exists" there).
   * The writer then runs it, and reports its own error if it has one.
   */
  private onReader(sql: string): SQLite.Statement | null {
    try {
      return (this.reader as Statements).get(sql);
    } catch {
      return null;
    }
  }

  inTransactionQuery(query: CompiledQuery): QueryResult<unknown> {
    return run(this.writer.get(query.sql), query.parameters);
  }

  private lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    // Handed over by unlock() with `locked` still set.
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private unlock(): void {
    const next = this.waiting.shift();
    if (next) {
      if (this.group && this.group.members >= this.maxGroup) this.commitGroup();
      next();
      return;
    }
    this.locked = false;
    if (!this.group) return;
    if (this.group.members >= this.maxGroup) this.commitGroup();
    else this.scheduleCommit();
  }

  /**
   * A transaction runs to its end in one turn of the event loop (its queries answer
   * synchronously), so transactions rarely queue behind each other. The COMMIT waits
   * for the end of the turn instead: the requests whose data arrived in the same turn
   * join the group first.
   */
  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      // A member still running will schedule again when it ends.
      if (!this.locked && this.group) this.commitGroup();
    });
  }

  /** Takes the lock and joins the group (opening it if there is none); `start` begins the member's work. */
  private async enter(start?: () => void): Promise<void> {
    await this.lock();
    try {
      this.join();
      start?.();
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  private join(): void {
    if (this.group) return;
    this.writer.db.exec('begin immediate');
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const durable = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Members that fail on their own never await the group: keep its rejection from being "unhandled".
    durable.catch(() => undefined);
    this.group = { members: 0, durable, resolve, reject };
  }

  /**
   * Ends a member: `finish` releases or undoes its work; the lock passes on; the promise
   * settles with `finish`'s result when the group's COMMIT has (or has not) reached the disk.
   */
  private leave<T>(finish: () => T): Promise<T> {
    const group = this.group as Group;
    let result: T;
    try {
      result = finish();
      group.members++;
    } catch (err) {
      // Some failures (disk full, I/O) end the whole transaction: then the group is lost.
      if (!this.writer.db.inTransaction) this.failGroup(err);
      this.unlock();
      return Promise.reject(err instanceof Error ? err : new Error('The statement failed.', { cause: err }));
    }
    this.unlock();
    return group.durable.then(() => result);
  }

  private commitGroup(): void {
    const group = this.group as Group;
    this.group = null;
    if (group.members === 0) {
      this.writer.db.exec('rollback');
      group.resolve();
      return;
    }
    try {
      this.writer.db.exec('commit');
      group.resolve();
    } catch (err) {
      if (this.writer.db.inTransaction) this.writer.db.exec('rollback');
      group.reject(err);
    }
  }

  private failGroup(err: unknown): void {
    const group = this.group;
    this.group = null;
    group?.reject(err);
  }
}

/** What Kysely holds between acquire and release: the writer inside a transaction, otherwise one statement at a time. */
class Handle implements DatabaseConnection {
  inTransaction = false;
  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction) return Promise.resolve(this.driver.inTransactionQuery(query) as QueryResult<R>);
    return this.driver.single(query) as Promise<QueryResult<R>>;
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported on SQLite here');
  }
}
