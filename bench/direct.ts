/**
 * The write baselines: the same SQL transaction the service runs for opening a
 * case and for a reply (CaseService.open / mutate and the notification listener:
 * the same reads, the same compare-and-set, the same inserts including the webhook event
 * (and its counter) and the outbox rows of the mails (one per change) and the reminder, with payloads of the same size, same
 * durability settings), run directly on the database with no HTTP, no auth, no
 * rendering and no read-back. SQLite: one connection, one transaction after another
 * (it has one writer anyway). PostgreSQL: 32 concurrent loops over a pool of 10,
 * like the server's.
 */
import crypto from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';

type Row = Record<string, unknown>;

interface Tx {
  one(sql: string, params: unknown[]): Promise<Row | undefined>;
  all(sql: string, params: unknown[]): Promise<Row[]>;
  run(sql: string, params: unknown[]): Promise<number>;
}

interface Target {
  concurrency: number;
  transaction(body: (tx: Tx) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

function open(url: string): Target {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // pool.end() resolves before its sockets close; the database's DROP … WITH (FORCE) right
    // after then terminates them, and an unheard 'error' would end the whole bench.
    pool.on('error', () => undefined);
    return {
      concurrency: 32,
      async transaction(body) {
        const c = await pool.connect();
        try {
          await c.query('begin');
          await body({
            one: async (sql, params) => (await c.query(toPg(sql), params)).rows[0] as Row | undefined,
            all: async (sql, params) => (await c.query(toPg(sql), params)).rows as Row[],
            run: async (sql, params) => (await c.query(toPg(sql), params)).rowCount ?? 0,
          });
          await c.query('commit');
        } catch (err) {
          await c.query('rollback');
          throw err;
        } finally {
          c.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const sqlite = new SQLite(url.replace(/^sqlite:(\/\/)?/, ''));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const cache = new Map<string, SQLite.Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = sqlite.prepare(sql)));
    return s;
  };
  return {
    concurrency: 1,
    async transaction(body) {
      stmt('begin immediate').run();
      try {
        await body({
          one: (sql, params) => Promise.resolve(stmt(sql).get(params) as Row | undefined),
          all: (sql, params) => Promise.resolve(stmt(sql).all(params) as Row[]),
          run: (sql, params) => Promise.resolve(stmt(sql).run(params).changes),
        });
        stmt('commit').run();
      } catch (err) {
        stmt('rollback').run();
        throw err;
      }
    },
    close: () => {
      sqlite.close();
      return Promise.resolve();
    },
  };
}

const toPg = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

const newId = (p: string) => `${p}_${crypto.randomBytes(16).toString('base64url')}`;

const EVENT_INSERT =
  'insert into case_events (id, case_id, seq, type, actor_kind, actor_id, actor_name, message, attachments, data, visibility, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The notification listener's webhook event (SPEC §14's events API, stored whether or not an
 * endpoint subscribes): the event with the case (about 1 200 bytes; its place in the API's
 * order is handed out after the commit), then the webhook endpoints. The mails' readers are
 * read by the worker.
 */
async function listenerWrites(tx: Tx, caseId: string, type: string, now: string) {
  const id = newId('whevt');
  const body = JSON.stringify({ id, type, createdAt: now, data: { case: { id: caseId, s: 's'.repeat(1100) }, previous: null } });
  await tx.run('insert into webhook_events (id, type, case_id, body, created_at) values (?, ?, ?, ?, ?)', [id, type, caseId, body, now]);
  await tx.all('select id, events from webhook_endpoints where enabled = ?', [1]);
}

/** The outbox payload of a change's mails: its event ids and the case's state after it (about 600 bytes). */
const mailsPayload = (caseId: string) =>
  JSON.stringify({
    caseId,
    eventIds: [newId('evt')],
    after: { status: 'merchant_response_needed', s: 's'.repeat(450) },
    at: new Date().toISOString(),
  });

/** The listener's outbox rows, in one insert as `enqueue` writes them. */
async function enqueue(tx: Tx, caseId: string, rows: { kind: string; payload: string; runAt: string }[], now: string) {
  await tx.run(
    `insert into outbox (kind, case_id, payload, idempotency_key, run_at, last_error, created_at, updated_at) values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    rows.flatMap((r) => [r.kind, caseId, r.payload, newId('key'), r.runAt, null, now, now]),
  );
}

/** CaseService.act → mutate for a `respond` that keeps the status: the row of its mails. */
async function reply(tx: Tx, caseId: string, userId: string) {
  const now = new Date().toISOString();
  const row = await tx.one(
    'select cases.*, (select max(seq) from case_events where case_events.case_id = cases.id) as last_seq from cases where cases.id = ?',
    [caseId],
  );
  if (!row) throw new Error(`no case ${caseId}`);
  await tx.one('select * from payments where id = ?', [row.payment_id]);
  const state = JSON.parse(String(row.state)) as Record<string, unknown>;
  const version = Number(row.version);
  const changed = await tx.run(
    'update cases set status = ?, due_at = ?, appeal_deadline = ?, final = ?, review_since = ?, remedy_failed = ?, state = ?, version = ?, updated_at = ? where id = ? and version = ?',
    [state.status, row.due_at, null, 0, null, 0, JSON.stringify(state), version + 1, now, caseId, version],
  );
  if (changed === 0) throw new Error('conflict');
  await tx.run(EVENT_INSERT, [
    newId('evt'),
    caseId,
    Number(row.last_seq ?? 0) + 1,
    'responded',
    'customer',
    userId,
    'Bench customer',
    'Thanks, I am still waiting for the download link.',
    '[]',
    '{}',
    'public',
    now,
  ]);
  await listenerWrites(tx, caseId, 'case.updated', now);
  await enqueue(tx, caseId, [{ kind: 'mails', payload: mailsPayload(caseId), runAt: now }], now);
}

/** CaseService.open: the eligibility read, the case and its `created` event, the row of its mails and the reminder. */
async function openCase(tx: Tx, paymentId: string) {
  const now = new Date().toISOString();
  const payment = await tx.one(
    'select payments.*, cases.id as case_id from payments left join cases on cases.payment_id = payments.id where payments.id = ?',
    [paymentId],
  );
  if (!payment) throw new Error(`no payment ${paymentId}`);
  if (payment.case_id !== null) throw new Error('case exists');
  const id = newId('case');
  const dueAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const state = JSON.stringify({ status: 'merchant_response_needed', dueAt });
  await tx.run(
    'insert into cases (id, payment_id, customer_id, merchant_id, issue_type, description, status, due_at, appeal_deadline, final, review_since, remedy_failed, state, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      id,
      paymentId,
      payment.customer_id,
      payment.merchant_id,
      'item_not_received',
      'The download link never arrived.',
      'merchant_response_needed',
      dueAt,
      null,
      0,
      null,
      0,
      state,
      1,
      now,
      now,
    ],
  );
  await tx.run(EVENT_INSERT, [
    newId('evt'),
    id,
    1,
    'created',
    'customer',
    payment.customer_id,
    'Bench customer',
    'The download link never arrived.',
    '[]',
    JSON.stringify({ status: 'merchant_response_needed', dueAt }),
    'public',
    now,
  ]);
  await listenerWrites(tx, id, 'case.created', now);
  const remindAt = new Date(Date.parse(dueAt) - 48 * 3_600_000).toISOString();
  await enqueue(
    tx,
    id,
    [
      { kind: 'mails', payload: mailsPayload(id), runAt: now },
      { kind: 'reminder', payload: JSON.stringify({ caseId: id, dueAt }), runAt: remindAt },
    ],
    now,
  );
}

export interface DirectResult {
  perSecond: number;
  p99Ms: number;
  count: number;
}

/** Runs `kind` for `seconds` and reports transactions per second. */
export async function direct(
  url: string,
  kind: 'open' | 'reply',
  seconds: number,
  args: { caseIds: string[]; paymentIds: string[]; userId: string },
): Promise<DirectResult> {
  const target = open(url);
  let next = 0;
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  const loop = async () => {
    while (Date.now() < end) {
      const i = next++;
      const started = performance.now();
      await target.transaction((tx) =>
        kind === 'reply'
          ? reply(tx, args.caseIds[i % args.caseIds.length]!, args.userId)
          : openCase(tx, args.paymentIds[i % args.paymentIds.length]!),
      );
      latencies.push(performance.now() - started);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: target.concurrency }, loop));
  const elapsed = (Date.now() - started) / 1000;
  await target.close();
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / elapsed,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    count: latencies.length,
  };
}
