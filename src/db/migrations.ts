/**
 * The schema's migrations, listed explicitly (not read from the file system) so a bundle
 * carries them; Kysely applies them in the order of their names (there is no 007). Each
 * uses only portable column types; the dialect differences (identity columns, PostgreSQL's
 * unlogged counters table) come from dialect.ts. Some also move data: 008 chains the
 * stored events' hashes (cases/chain.ts), 010 fills the cases' product and first answer.
 * They are written against `Kysely<any>`, not the typed schema (schema.ts), which evolves.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { chainedRow, eventHash, genesisHash } from '../cases/chain.js';
import { dialectOf, identity } from './dialect.js';

// Migrations must not depend on the evolving typed schema.
type AnyDB = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const text = 'text' as const;

const m001_core: Migration = {
  async up(db: AnyDB) {
    await db.schema
      .createTable('users')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('email', text, (c) => c.notNull().unique())
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('password_hash', text)
      .addColumn('is_staff', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('time_zone', text, (c) => c.notNull().defaultTo('UTC'))
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('merchants')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('support_email', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('merchant_members')
      .addColumn('merchant_id', text, (c) => c.notNull().references('merchants.id'))
      .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
      .addPrimaryKeyConstraint('merchant_members_pk', ['merchant_id', 'user_id'])
      .execute();
    await db.schema.createIndex('merchant_members_user').on('merchant_members').column('user_id').execute();

    await db.schema
      .createTable('payments')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('customer_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('merchant_id', text, (c) => c.notNull().references('merchants.id'))
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', text, (c) => c.notNull())
      .addColumn('provider', text, (c) => c.notNull())
      .addColumn('provider_payment_id', text, (c) => c.notNull())
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('product_name', text, (c) => c.notNull())
      .addColumn('paid_at', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('payments_customer').on('payments').columns(['customer_id', 'paid_at', 'id']).execute();

    await db.schema
      .createTable('cases')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('payment_id', text, (c) => c.notNull().unique().references('payments.id'))
      .addColumn('customer_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('merchant_id', text, (c) => c.notNull().references('merchants.id'))
      .addColumn('issue_type', text, (c) => c.notNull())
      .addColumn('description', text, (c) => c.notNull())
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('due_at', text)
      .addColumn('appeal_deadline', text)
      .addColumn('final', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('review_since', text)
      .addColumn('remedy_failed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    // Partial indexes: the sweeper, the finaliser and the review queue read only what is due or waiting.
    await db.schema.createIndex('cases_due').on('cases').column('due_at').where(sql.ref('due_at'), 'is not', null).execute();
    await db.schema
      .createIndex('cases_appeal_deadline')
      .on('cases')
      .column('appeal_deadline')
      .where(sql.ref('appeal_deadline'), 'is not', null)
      .execute();
    await db.schema
      .createIndex('cases_review')
      .on('cases')
      .columns(['review_since', 'id'])
      .where(sql.ref('review_since'), 'is not', null)
      .execute();
    await db.schema.createIndex('cases_remedy_failed').on('cases').column('updated_at').where(sql.ref('remedy_failed'), '=', 1).execute();
    await db.schema.createIndex('cases_customer').on('cases').columns(['customer_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('cases_merchant').on('cases').columns(['merchant_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('cases_merchant_status').on('cases').columns(['merchant_id', 'status', 'created_at', 'id']).execute();
    await db.schema.createIndex('cases_status').on('cases').columns(['status', 'created_at', 'id']).execute();
    await db.schema.createIndex('cases_created').on('cases').columns(['created_at', 'id']).execute();

    await db.schema
      .createTable('case_events')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('case_id', text, (c) => c.notNull().references('cases.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('type', text, (c) => c.notNull())
      .addColumn('actor_kind', text, (c) => c.notNull())
      .addColumn('actor_id', text)
      .addColumn('actor_name', text, (c) => c.notNull())
      .addColumn('message', text)
      .addColumn('attachments', text, (c) => c.notNull())
      .addColumn('data', text, (c) => c.notNull())
      .addColumn('visibility', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('case_events_seq', ['case_id', 'seq'])
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', text, (c) => c.primaryKey())
      .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('expires_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('login_tokens')
      .addColumn('token_hash', text, (c) => c.primaryKey())
      .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('expires_at', text, (c) => c.notNull())
      .addColumn('used_at', text)
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('scope', text, (c) => c.notNull())
      .addColumn('key', text, (c) => c.notNull())
      .addColumn('request_hash', text, (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('response_body', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();

    await db.schema
      .createTable('credit_entries')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('customer_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('case_id', text, (c) => c.notNull().references('cases.id'))
      .addColumn('currency', text, (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('credit_entries_customer').on('credit_entries').columns(['customer_id', 'created_at']).execute();

    await db.schema
      .createTable('outbox')
      .addColumn('id', 'integer', identity(db))
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('case_id', text)
      .addColumn('payload', text, (c) => c.notNull())
      .addColumn('idempotency_key', text, (c) => c.notNull())
      .addColumn('status', text, (c) => c.notNull().defaultTo('pending'))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('run_at', text, (c) => c.notNull())
      .addColumn('last_error', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('outbox_pending').on('outbox').columns(['run_at', 'id']).where(sql.ref('status'), '=', 'pending').execute();
    await db.schema.createIndex('outbox_status').on('outbox').columns(['status', 'kind', 'id']).execute();

    await db.schema
      .createTable('clock')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('offset_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.insertInto('clock').values({ id: 1, offset_ms: 0 }).execute();
  },
};

/** Notifications (SPEC §8): the local mailbox, webhook endpoints and their delivery log. */
const m003_notifications: Migration = {
  async up(db: AnyDB) {
    await db.schema
      .createTable('mailbox')
      .addColumn('id', 'integer', identity(db))
      // The Message-ID: a repeated delivery of one outbox row lands once.
      .addColumn('message_id', text, (c) => c.notNull().unique())
      .addColumn('to_address', text, (c) => c.notNull())
      .addColumn('subject', text, (c) => c.notNull())
      .addColumn('text', text, (c) => c.notNull())
      .addColumn('html', text, (c) => c.notNull())
      .addColumn('case_id', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mailbox_to').on('mailbox').columns(['to_address', 'id']).execute();

    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('url', text, (c) => c.notNull())
      .addColumn('secret', text, (c) => c.notNull())
      .addColumn('events', text, (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'integer', identity(db))
      .addColumn('endpoint_id', text, (c) => c.notNull())
      .addColumn('event_id', text, (c) => c.notNull())
      .addColumn('event_type', text, (c) => c.notNull())
      .addColumn('case_id', text)
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', text)
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();
  },
};

/** Evidence files (SPEC §7): an upload is unused (case_id null) until an action claims it. */
const m002_uploads: Migration = {
  async up(db: AnyDB) {
    // No foreign key on case_id: opening a case claims its uploads before the case row is inserted, in one transaction.
    await db.schema
      .createTable('uploads')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('storage_key', text, (c) => c.notNull())
      .addColumn('filename', text, (c) => c.notNull())
      .addColumn('content_type', text, (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', text, (c) => c.notNull())
      .addColumn('case_id', text)
      .addColumn('claimed_at', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('uploads_unused').on('uploads').column('created_at').where(sql.ref('case_id'), 'is', null).execute();
    await db.schema.createIndex('uploads_case').on('uploads').column('case_id').where(sql.ref('case_id'), 'is not', null).execute();
  },
};

const m004_money: Migration = {
  async up(db: AnyDB) {
    // Provider events find their payment by the provider's id.
    await db.schema.createIndex('payments_provider_id').on('payments').columns(['provider', 'provider_payment_id']).execute();
    // A case credits its customer at most once, whatever retries or races happen.
    await db.schema.createIndex('credit_entries_case').on('credit_entries').column('case_id').unique().execute();
  },
};

/**
 * Payment truth and bank disputes (SPEC §11, §12): a provider's payment id names one
 * payment, and what a bank or network says about a payment is kept even without a case.
 */
const m005_payment_truth: Migration = {
  async up(db: AnyDB) {
    await db.schema
      .createIndex('payments_provider_payment_unique')
      .on('payments')
      .columns(['provider', 'provider_payment_id'])
      .unique()
      .execute();
    await db.schema.dropIndex('payments_provider_id').execute();
    // Platform credits issued for the payment: what is left is amount − refunded − credited.
    await db.schema
      .alterTable('payments')
      .addColumn('credited_amount', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    // Money moved outside took refunds + credits above the amount: staff must look (SPEC §11).
    await db.schema
      .alterTable('payments')
      .addColumn('over_refunded', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('payments_over_refunded').on('payments').column('id').where(sql.ref('over_refunded'), '=', 1).execute();
    await db.schema
      .createTable('disputes')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('payment_id', text, (c) => c.notNull().references('payments.id'))
      // Copied from the payment (which cannot change once disputed): the merchant's list reads one index.
      .addColumn('merchant_id', text, (c) => c.notNull())
      .addColumn('source', text, (c) => c.notNull())
      .addColumn('external_id', text, (c) => c.notNull())
      .addColumn('stage', text, (c) => c.notNull())
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('reason', text)
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', text, (c) => c.notNull())
      .addColumn('respond_by', text)
      .addColumn('network', text)
      .addColumn('alert_kind', text)
      .addColumn('actionable', 'integer', (c) => c.notNull().defaultTo(0))
      // The source's own time of the latest report applied: an older one never rolls the dispute back.
      .addColumn('reported_at', text, (c) => c.notNull())
      // Chargeback evidence staged at the provider (SPEC §13), JSON.
      .addColumn('evidence', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .addUniqueConstraint('disputes_source_external', ['source', 'external_id'])
      .execute();
    await db.schema.createIndex('disputes_payment').on('disputes').columns(['payment_id', 'created_at']).execute();
    await db.schema.createIndex('disputes_merchant').on('disputes').columns(['merchant_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('disputes_created').on('disputes').columns(['created_at', 'id']).execute();
  },
};

/**
 * Security rules (SPEC §15): a person the platform disabled, and rate-limit counters in
 * the database so every instance on PostgreSQL shares one budget.
 */
const m006_security: Migration = {
  async up(db: AnyDB) {
    await db.schema
      .alterTable('users')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // Unlogged on PostgreSQL: counters need no crash safety, and without WAL a counted request waits for no fsync.
    await db.schema
      .createTable('rate_limit_counters')
      .$call((t) => (dialectOf(db) === 'postgres' ? t.modifyFront(sql`unlogged`) : t))
      .addColumn('key', text, (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('reset_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_limit_counters_reset').on('rate_limit_counters').column('reset_at').execute();
  },
};

/** Events chained per case in batches, in (case, seq) order, each hash from the one before. */
async function chainStoredEvents(db: AnyDB) {
  const batch = 500;
  let lastCase = '';
  let lastSeq = 0;
  let previous = '';
  for (;;) {
    const after = [lastCase, lastSeq] as const;
    const rows = (await db
      .selectFrom('case_events')
      .selectAll()
      .where((eb) => eb(eb.refTuple('case_id', 'seq'), '>', eb.tuple(after[0], after[1])))
      .orderBy('case_id')
      .orderBy('seq')
      .limit(batch)
      .execute()) as Parameters<typeof chainedRow>[0][];
    for (const r of rows) {
      if (r.case_id !== lastCase) previous = genesisHash(r.case_id);
      previous = eventHash(previous, chainedRow(r));
      await db.updateTable('case_events').set({ hash: previous }).where('id', '=', r.id).execute();
      lastCase = r.case_id;
      lastSeq = r.seq;
    }
    if (rows.length < batch) return;
  }
}

/**
 * System evidence (SPEC §13): what the platform knows of a payment's delivery and use;
 * and the tamper-evident timeline: every event gets its chained hash, the stored ones here.
 */
const m008_evidence: Migration = {
  async up(db: AnyDB) {
    await db.schema
      .alterTable('case_events')
      .addColumn('hash', text, (c) => c.notNull().defaultTo(''))
      .execute();
    await chainStoredEvents(db);
    await db.schema
      .createTable('system_evidence')
      .addColumn('n', 'integer', identity(db))
      .addColumn('payment_id', text, (c) => c.notNull().references('payments.id'))
      .addColumn('id', text, (c) => c.notNull())
      .addColumn('type', text, (c) => c.notNull())
      .addColumn('occurred_at', text, (c) => c.notNull())
      .addColumn('ip', text)
      .addColumn('device_id', text)
      .addColumn('user_agent', text)
      .addColumn('description', text, (c) => c.notNull())
      .addColumn('data', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('system_evidence_payment_id', ['payment_id', 'id'])
      .execute();
    // A case's list reads in its order: by occurredAt, then arrival.
    await db.schema.createIndex('system_evidence_order').on('system_evidence').columns(['payment_id', 'occurred_at', 'n']).execute();
  },
};

/**
 * Bank disputes (SPEC §12): a merchant's automation settings, and the refund a dispute
 * itself makes (an alert on a payment without an open case), recorded once.
 */
const m009_bank_disputes: Migration = {
  async up(db: AnyDB) {
    await db.schema
      .createTable('merchant_settings')
      .addColumn('merchant_id', text, (c) => c.primaryKey().references('merchants.id'))
      // JSON: {autoRefund: {card, paypal, message}, alertAutoRefund}.
      .addColumn('settings', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    // pending → succeeded | failed | nothing_left; null when the dispute moved no money itself.
    await db.schema.alterTable('disputes').addColumn('refund_state', text).execute();
    await db.schema.alterTable('disputes').addColumn('refund_amount', 'bigint').execute();
    await db.schema.alterTable('disputes').addColumn('refund_id', text).execute();
    // Which automatic rule acted on the dispute, if one did.
    await db.schema.alterTable('disputes').addColumn('rule', text).execute();
  },
};

/**
 * Tools for staff and merchants (SPEC §16): insights read the merchant's payments by
 * paid time and its cases by opening time over a bounded window (each case row carries its
 * product and first merchant answer); a case's assignee mirrors its state like status does;
 * saved replies per merchant (merchant_id) or for staff (merchant_id null).
 */
const m010_tools: Migration = {
  async up(db: AnyDB) {
    await db.schema.createIndex('payments_merchant_paid').on('payments').columns(['merchant_id', 'paid_at']).execute();
    await db.schema.alterTable('cases').addColumn('assignee_id', text).execute();
    // Insights read a window of the merchant's cases alone, no lookups per case: the product
    // (the payment's, copied at opening) and the merchant's first answer, kept by the write path.
    await db.schema
      .alterTable('cases')
      .addColumn('product_name', text, (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.alterTable('cases').addColumn('first_response_at', text).execute();
    await sql`update cases set product_name = (select p.product_name from payments p where p.id = cases.payment_id)`.execute(db);
    await sql`update cases set first_response_at = (select min(e.created_at) from case_events e where e.case_id = cases.id and e.actor_kind = 'merchant')`.execute(
      db,
    );
    await db.schema
      .createIndex('cases_assignee')
      .on('cases')
      .columns(['assignee_id', 'review_since', 'id'])
      .where(sql.ref('assignee_id'), 'is not', null)
      .execute();
    await db.schema
      .createTable('saved_replies')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('merchant_id', text, (c) => c.references('merchants.id'))
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('body', text, (c) => c.notNull())
      .addColumn('created_by', text, (c) => c.notNull().references('users.id'))
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saved_replies_owner').on('saved_replies').columns(['merchant_id', 'title', 'id']).execute();
  },
};

/**
 * Integrating with a marketplace (SPEC §14): who acted through the platform, webhook
 * events kept for the events API in commit order, secret rotation with overlap,
 * deliveries tied to their outbox row (so a dead one can be retried), erased people.
 */
const m011_integration: Migration = {
  async up(db: AnyDB) {
    await db.schema.alterTable('case_events').addColumn('actor_via', text).execute();
    await db.schema.alterTable('users').addColumn('erased_at', text).execute();
    await db.schema.alterTable('webhook_endpoints').addColumn('previous_secret', text).execute();
    await db.schema.alterTable('webhook_endpoints').addColumn('previous_secret_until', text).execute();
    await db.schema.alterTable('webhook_deliveries').addColumn('outbox_id', 'integer').execute();
    await db.schema
      .createTable('webhook_events')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('id', text, (c) => c.notNull().unique())
      .addColumn('type', text, (c) => c.notNull())
      .addColumn('case_id', text)
      .addColumn('body', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_events_created').on('webhook_events').column('created_at').execute();
    await db.schema.createIndex('webhook_events_type').on('webhook_events').columns(['type', 'seq']).execute();
    // One row whose counter hands out the events' places in the events API's order (012: `pos`).
    await db.schema
      .createTable('webhook_event_counter')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
    await db.insertInto('webhook_event_counter').values({ id: 1, n: 0 }).execute();
  },
};

/**
 * The events API's order without a row that every change locks (issue 20): an event gets its
 * `seq` when it is inserted (SQLite's rowid; a PostgreSQL identity) and its place in the API's
 * order, `pos`, once it has committed (notifications/webhooks.ts, `numberEvents`). The events
 * stored so far keep their order: their `pos` is their `seq`, which the counter handed out.
 */
const m012_event_order: Migration = {
  async up(db: AnyDB) {
    if (dialectOf(db) === 'postgres') {
      await sql`alter table webhook_events alter column seq add generated by default as identity`.execute(db);
      await sql`select setval(pg_get_serial_sequence('webhook_events', 'seq'), coalesce(max(seq), 0) + 1, false) from webhook_events`.execute(
        db,
      );
    }
    await db.schema.alterTable('webhook_events').addColumn('pos', 'integer').execute();
    await db
      .updateTable('webhook_events')
      .set({ pos: sql.ref('seq') })
      .execute();
    await db.schema.createIndex('webhook_events_pos').on('webhook_events').column('pos').unique().execute();
    await db.schema.createIndex('webhook_events_unnumbered').on('webhook_events').column('seq').where(sql.ref('pos'), 'is', null).execute();
    // Named for its columns: the (type, seq) index it replaces listed by insertion, this one by place.
    await db.schema.dropIndex('webhook_events_type').execute();
    await db.schema.createIndex('webhook_events_type_pos').on('webhook_events').columns(['type', 'pos']).execute();
  },
};

export const migrations: Record<string, Migration> = {
  '001_core': m001_core,
  '002_uploads': m002_uploads,
  '003_notifications': m003_notifications,
  '004_money': m004_money,
  '005_payment_truth': m005_payment_truth,
  '006_security': m006_security,
  '008_evidence': m008_evidence,
  '009_bank_disputes': m009_bank_disputes,
  '010_tools': m010_tools,
  '011_integration': m011_integration,
  '012_event_order': m012_event_order,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
