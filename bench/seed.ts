/**
 * Bulk data for the benchmark, written straight into the tables with SQL (never
 * through the API): SQLite with one prepared statement per table and one
 * transaction per batch; PostgreSQL with one multi-row INSERT … SELECT FROM
 * unnest(arrays) per batch, the same rows in both. The seeding connection may
 * skip fsync (its durability is not what is measured); the server under test
 * keeps WAL + synchronous=FULL.
 */
import crypto from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { type CaseState, initialState } from '../src/domain/case.js';
import { sha256 } from '../src/ids.js';

type Value = string | number | null;

/** Columns PostgreSQL must be told are not text when they arrive as arrays. */
const PG_TYPES: Record<string, string> = {
  amount: 'bigint',
  refunded_amount: 'bigint',
  final: 'int',
  remedy_failed: 'int',
  version: 'int',
  seq: 'int',
  is_staff: 'int',
  actionable: 'int',
};

export interface Sink {
  /** Inserts rows of one table, in one transaction. */
  insert(table: string, columns: readonly string[], rows: Value[][]): Promise<void>;
  /**
   * Runs a bulk load with the tables' secondary indexes dropped, then builds them
   * again from their own definitions (one sorted build is far cheaper than a million
   * random inserts into each of them). Keys and unique constraints stay.
   */
  withoutIndexes(tables: string[], load: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export function openSink(url: string): Sink {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const client = new pg.Client({ connectionString: url });
    const connected = client.connect();
    return {
      async insert(table, columns, rows) {
        await connected;
        if (rows.length === 0) return;
        const arrays = columns.map((_, c) => rows.map((r) => r[c] ?? null));
        const casts = columns.map((col, i) => `$${i + 1}::${PG_TYPES[col] ?? 'text'}[]`).join(', ');
        await client.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${casts})`, arrays);
      },
      async withoutIndexes(tables, load) {
        await connected;
        const { rows } = await client.query<{ indexname: string; indexdef: string }>(
          'select indexname, indexdef from pg_indexes where tablename = any($1) and indexname not in (select conname from pg_constraint)',
          [tables],
        );
        for (const r of rows) await client.query(`drop index ${r.indexname}`);
        await load();
        for (const r of rows) await client.query(r.indexdef);
      },
      async close() {
        await connected;
        await client.end();
      },
    };
  }
  const sqlite = new SQLite(url.replace(/^sqlite:(\/\/)?/, ''));
  sqlite.pragma('journal_mode = WAL');
  // Seeding only: a crash mid-seed just means seeding again.
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  const statements = new Map<string, SQLite.Statement>();
  return {
    insert(table, columns, rows) {
      const key = `${table}(${columns.join(',')})`;
      let stmt = statements.get(key);
      if (!stmt) {
        stmt = sqlite.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        statements.set(key, stmt);
      }
      const s = stmt;
      sqlite.transaction(() => {
        for (const r of rows) s.run(r);
      })();
      return Promise.resolve();
    },
    async withoutIndexes(tables, load) {
      const indexes = sqlite
        .prepare(
          `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${tables.map(() => '?').join(', ')})`,
        )
        .all(tables) as { name: string; sql: string }[];
      for (const i of indexes) sqlite.exec(`drop index ${i.name}`);
      await load();
      for (const i of indexes) sqlite.exec(i.sql);
    },
    close() {
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      sqlite.close();
      return Promise.resolve();
    },
  };
}

const rid = (prefix: string) => `${prefix}_${crypto.randomBytes(16).toString('base64url')}`;
const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

export async function seedUsers(sink: Sink, ids: string[], now: number): Promise<void> {
  const at = iso(now);
  await sink.insert(
    'users',
    ['id', 'email', 'name', 'password_hash', 'is_staff', 'time_zone', 'created_at', 'updated_at'],
    ids.map((id) => [id, `${id}@bench.example`, `User ${id}`, null, 0, 'UTC', at, at]),
  );
}

export async function seedMerchants(sink: Sink, merchants: { id: string; members: string[] }[], now: number): Promise<void> {
  const at = iso(now);
  await sink.insert(
    'merchants',
    ['id', 'name', 'support_email', 'created_at', 'updated_at'],
    merchants.map((m) => [m.id, `Merchant ${m.id}`, `support@${m.id}.example`, at, at]),
  );
  await sink.insert(
    'merchant_members',
    ['merchant_id', 'user_id'],
    merchants.flatMap((m) => m.members.map((u) => [m.id, u])),
  );
}

/** A session for `userId`; returns the bearer token. */
export async function seedSession(sink: Sink, userId: string, now: number): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await sink.insert(
    'sessions',
    ['token_hash', 'user_id', 'created_at', 'expires_at'],
    [[sha256(token), userId, iso(now), iso(now + 365 * DAY)]],
  );
  return token;
}

const PAYMENT_COLUMNS = [
  'id',
  'customer_id',
  'merchant_id',
  'amount',
  'currency',
  'provider',
  'provider_payment_id',
  'status',
  'refunded_amount',
  'product_name',
  'paid_at',
  'created_at',
  'updated_at',
] as const;

function paymentRow(id: string, customerId: string, merchantId: string, now: number, paidAt = now - DAY): Value[] {
  const at = iso(paidAt);
  return [id, customerId, merchantId, 5000, 'USD', 'stripe', `pi_${id}`, 'succeeded', 0, 'Bench product', at, at, at];
}

/** Payments with no case yet (the pool that opening a case draws from). */
export async function seedPayments(
  sink: Sink,
  n: number,
  customerId: string,
  merchantId: string,
  now: number,
  batch = 20_000,
  paidAt: (i: number) => number = () => now - DAY,
) {
  const ids: string[] = [];
  for (let from = 0; from < n; from += batch) {
    const rows: Value[][] = [];
    for (let i = from; i < Math.min(n, from + batch); i++) {
      const id = rid('pay');
      ids.push(id);
      rows.push(paymentRow(id, customerId, merchantId, now, paidAt(i)));
    }
    await sink.insert('payments', PAYMENT_COLUMNS, rows);
  }
  return ids;
}

export type Kind = 'due' | 'open' | 'closed';

export interface CaseSpec {
  customerOf(i: number): string;
  merchantOf(i: number): string;
  kindOf(i: number): Kind;
  createdAt(i: number): number;
  /** When the case's payment was paid (default: a day before now). */
  paidAt?(i: number): number;
  /** A merchant reply this many ms after opening (seq 2), or null for none (the default). */
  merchantReplyAfter?(i: number): number | null;
  /** Receives each case's payment id, in order. */
  paymentIds?: string[];
}

const CASE_COLUMNS = [
  'id',
  'payment_id',
  'customer_id',
  'merchant_id',
  'issue_type',
  'description',
  'status',
  'due_at',
  'appeal_deadline',
  'final',
  'review_since',
  'remedy_failed',
  'state',
  'version',
  'created_at',
  'updated_at',
  'product_name',
  'first_response_at',
] as const;

const EVENT_COLUMNS = [
  'id',
  'case_id',
  'seq',
  'type',
  'actor_kind',
  'actor_id',
  'actor_name',
  'message',
  'attachments',
  'data',
  'visibility',
  'created_at',
] as const;

/**
 * `n` cases (each with its payment and its `created` event), numbered from
 * `from`: due ones a little past their deadline, open ones days before it,
 * closed ones (withdrawn) with none. Returns the case ids in order.
 */
export async function seedCases(sink: Sink, from: number, n: number, spec: CaseSpec, now: number, batch = 20_000): Promise<string[]> {
  const ids: string[] = [];
  for (let start = from; start < from + n; start += batch) {
    const payments: Value[][] = [];
    const cases: Value[][] = [];
    const events: Value[][] = [];
    for (let i = start; i < Math.min(from + n, start + batch); i++) {
      const kind = spec.kindOf(i);
      const created = spec.createdAt(i);
      const dueAt = kind === 'due' ? iso(now - 60_000 - (i % 3600) * 1000) : kind === 'open' ? iso(now + DAY + (i % 5000) * 60_000) : null;
      const state: CaseState =
        kind === 'closed'
          ? { ...initialState(), status: 'customer_withdrew', final: true }
          : { ...initialState(), status: 'merchant_response_needed', dueAt };
      const id = rid('case');
      const paymentId = rid('pay');
      const customerId = spec.customerOf(i);
      const merchantId = spec.merchantOf(i);
      ids.push(id);
      spec.paymentIds?.push(paymentId);
      payments.push(paymentRow(paymentId, customerId, merchantId, now, spec.paidAt?.(i)));
      const at = iso(created);
      const reply = spec.merchantReplyAfter?.(i) ?? null;
      cases.push([
        id,
        paymentId,
        customerId,
        merchantId,
        'item_not_received',
        'The download link never arrived.',
        state.status,
        dueAt,
        null,
        state.final ? 1 : 0,
        null,
        0,
        JSON.stringify(state),
        kind === 'closed' ? 2 : 1,
        at,
        at,
        'Bench product',
        reply === null ? null : iso(created + reply),
      ]);
      events.push([
        rid('evt'),
        id,
        1,
        'created',
        'customer',
        customerId,
        `User ${customerId}`,
        'The download link never arrived.',
        '[]',
        JSON.stringify({ status: 'merchant_response_needed', dueAt }),
        'public',
        at,
      ]);
      if (reply !== null)
        events.push([
          rid('evt'),
          id,
          2,
          'responded',
          'merchant',
          null,
          'Merchant',
          'Looking into it.',
          '[]',
          '{}',
          'public',
          iso(created + reply),
        ]);
    }
    await sink.insert('payments', PAYMENT_COLUMNS, payments);
    await sink.insert('cases', CASE_COLUMNS, cases);
    await sink.insert('case_events', EVENT_COLUMNS, events);
  }
  return ids;
}

/** `count` public replies on a case after its `created` event (seq 2…). */
export async function seedReplies(sink: Sink, caseId: string, customerId: string, count: number, now: number): Promise<void> {
  const rows: Value[][] = [];
  for (let i = 0; i < count; i++)
    rows.push([
      rid('evt'),
      caseId,
      i + 2,
      'responded',
      'customer',
      customerId,
      `User ${customerId}`,
      `Reply number ${i + 1}: here is more detail about what went wrong with the order.`,
      '[]',
      '{}',
      'public',
      iso(now - (count - i) * 1000),
    ]);
  await sink.insert('case_events', EVENT_COLUMNS, rows);
}

const DISPUTE_COLUMNS = [
  'id',
  'payment_id',
  'merchant_id',
  'source',
  'external_id',
  'stage',
  'status',
  'reason',
  'amount',
  'currency',
  'respond_by',
  'network',
  'alert_kind',
  'actionable',
  'reported_at',
  'evidence',
  'created_at',
  'updated_at',
] as const;

/** Dispute records (SPEC §12) on the given payments, each first reported at its time. */
export async function seedDisputes(
  sink: Sink,
  rows: { paymentId: string; merchantId: string; stage: string; status: string; at: number }[],
  batch = 20_000,
): Promise<void> {
  for (let from = 0; from < rows.length; from += batch)
    await sink.insert(
      'disputes',
      DISPUTE_COLUMNS,
      rows.slice(from, from + batch).map((d) => {
        const at = iso(d.at);
        return [
          rid('dsp'),
          d.paymentId,
          d.merchantId,
          'stripe',
          rid('du'),
          d.stage,
          d.status,
          null,
          5000,
          'USD',
          null,
          'visa',
          null,
          0,
          at,
          null,
          at,
          at,
        ];
      }),
    );
}
