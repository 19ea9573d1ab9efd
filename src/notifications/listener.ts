/**
 * Turns each committed change of a case into outbox rows, inside its
 * transaction (SPEC §8): one row for the emails of the change, the 48-hour
 * reminder of a new deadline, and one webhook event per subscribed endpoint.
 * Nothing is sent or rendered here: the worker turns the emails' row into one
 * row per mail (`mailsHandler`), rendered from the change's stored events and
 * the case as that change left it, then delivers them.
 */
import type { Kysely } from 'kysely';
import { eventView, platformViewOf } from '../cases/views.js';
import type { ChangeListener } from '../cases/service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { CaseState, NewEvent } from '../domain/case.js';
import { isOpen } from '../domain/model.js';
import { prepare } from '../db/prepared.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { sha256 } from '../ids.js';
import { type OutboxHandler, type OutboxMessage, enqueue } from '../outbox/outbox.js';
import { brandView } from '../web/brand.js';
import { type Side, templatesFor } from './recipients.js';
import { type MailCase, type Reader, render } from './templates.js';
import { webhookEventOf, webhookPublisher } from './webhooks.js';

export const REMINDER_LEAD_MS = 48 * 60 * 60 * 1000;

export interface EmailPayload {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  caseId: string;
  messageId: string;
}

/** The emails of one change, still to be written as one outbox row per mail. */
export interface MailsPayload {
  caseId: string;
  /** The change's events that are mailed, in seq order. */
  eventIds: string[];
  /** The case as the change left it (what the mails say is next). */
  after: CaseState;
  /** The change's time: deadlines are stated from it. */
  at: string;
}

export interface ReminderPayload {
  caseId: string;
  dueAt: string;
}

/**
 * The row that reminds of `dueAt` 48 hours before it and re-checks the case when it runs;
 * none when that moment has already passed (the mail that set the deadline states it).
 */
export function reminderFor(caseId: string, dueAt: string, now: Date): OutboxMessage | null {
  const runAt = new Date(Date.parse(dueAt) - REMINDER_LEAD_MS);
  if (runAt <= now) return null;
  const payload: ReminderPayload = { caseId, dueAt };
  return { kind: 'reminder', caseId, idempotencyKey: `remind-${caseId}-${dueAt}`, payload, runAt };
}

/** The mail domain for Message-IDs: the public URL's host. */
function mailDomain(config: Config): string {
  return new URL(config.publicUrl).hostname || 'localhost';
}

/**
 * The customer, the merchant and its members (a row per member; one row without member if
 * none), in one statement; compiled once per mails handler, i.e. per database (see db/prepared.ts).
 */
function peopleQuery() {
  return prepare((db: Kysely<DB>, customerId: string, merchantId: string) =>
    db
      .selectFrom('users as customer')
      .crossJoin('merchants')
      .leftJoin('merchant_members', 'merchant_members.merchant_id', 'merchants.id')
      .leftJoin('users as member', 'member.id', 'merchant_members.user_id')
      .select([
        'customer.name as customer_name',
        'customer.email as customer_email',
        'customer.time_zone as customer_time_zone',
        'merchants.name as merchant_name',
        'merchants.support_email',
        'member.name as member_name',
        'member.email as member_email',
        'member.time_zone as member_time_zone',
      ])
      .where('customer.id', '=', customerId)
      .where('merchants.id', '=', merchantId)
      .orderBy('member.email'),
  );
}

async function readers(
  trx: Kysely<DB>,
  c: { id: string; customer_id: string; merchant_id: string },
  people: ReturnType<typeof peopleQuery>,
): Promise<{ readers: Record<Side, Reader[]>; customerName: string; merchantName: string }> {
  const rows = await people(trx, c.customer_id, c.merchant_id);
  const [first] = rows;
  if (!first) throw new Error(`Case ${c.id}: its customer or merchant is missing`);
  const customerReader: Reader = {
    side: 'customer',
    name: first.customer_name,
    address: first.customer_email,
    timeZone: first.customer_time_zone,
  };
  const members = rows.flatMap((r) =>
    r.member_name !== null && r.member_email !== null && r.member_time_zone !== null
      ? [{ name: r.member_name, address: r.member_email, timeZone: r.member_time_zone }]
      : [],
  );
  const seen = new Set([customerReader.address]);
  const merchantReaders: Reader[] = [];
  // The support address is a shared inbox: UTC. Members read in their own zone.
  for (const r of [{ name: first.merchant_name, address: first.support_email, timeZone: 'UTC' }, ...members]) {
    if (seen.has(r.address)) continue;
    seen.add(r.address);
    merchantReaders.push({ side: 'merchant', ...r });
  }
  return {
    readers: { customer: [customerReader], merchant: merchantReaders },
    customerName: first.customer_name,
    merchantName: first.merchant_name,
  };
}

export function notificationListener(clock: Clock): ChangeListener {
  const publish = webhookPublisher();
  return async (trx, change) => {
    const now = clock.now();
    const out: OutboxMessage[] = [];
    const caseId = change.row.id;

    const mailed = change.events.filter((event) => templatesFor(event, change.after).length > 0);
    const [first] = mailed;
    if (first) {
      const payload: MailsPayload = { caseId, eventIds: mailed.map((e) => e.id), after: change.after, at: now.toISOString() };
      out.push({ kind: 'mails', caseId, idempotencyKey: `mails-${first.id}`, payload });
    }

    // A new deadline gets its own reminder, as a row that runs 48 hours before it and re-checks the case.
    const due = change.after.dueAt;
    const reminder = due && isOpen(change.after.status) && due !== change.before?.dueAt ? reminderFor(caseId, due, now) : null;
    if (reminder) out.push(reminder);

    const type = webhookEventOf(change);
    if (type) {
      // The view from the change's own rows, without reading the case again.
      const view = platformViewOf(change.row, change.payment, change.names, now);
      // What changed: the case before this change (null for a new case). Consumers order by `case.version`.
      const previous = change.before ? { status: change.before.status, version: change.row.version - 1 } : null;
      out.push(...(await publish(trx, now, type, caseId, { case: view, previous })));
    }
    return out;
  };
}

/**
 * The worker's side of a change's emails: one outbox row per mail and reader, written in
 * the same transaction that marks the change's row done, so a crash leaves either both or
 * neither, and a row run twice (a lost lease) writes its mails once. Each mail is rendered
 * from the stored events (immutable) and the case as the change left it, so it says what
 * was true then; the keys and Message-IDs are the ones the change would have written.
 */
export function mailsHandler(db: Kysely<DB>, config: Config, clock: Clock): OutboxHandler {
  const domain = mailDomain(config);
  const people = peopleQuery();
  const brand = brandView(config);
  /** The case's facts the mails name, read when they are rendered (none of them changes with the case). */
  const mailFacts = prepare((db: Kysely<DB>, caseId: string) =>
    db
      .selectFrom('cases')
      .innerJoin('payments', 'payments.id', 'cases.payment_id')
      .select(['cases.id', 'cases.customer_id', 'cases.merchant_id', 'payments.product_name', 'payments.currency'])
      .where('cases.id', '=', caseId),
  );
  return {
    marksDone: true,
    async handle(row: OutboxRow) {
      const p = JSON.parse(row.payload) as MailsPayload;
      await db.transaction().execute(async (trx) => {
        const mine = await trx
          .updateTable('outbox')
          .set({ status: 'done', last_error: null, updated_at: clock.now().toISOString() })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .where('run_at', '=', row.run_at)
          .executeTakeFirst();
        if (mine.numUpdatedRows === 0n) return;
        const [c] = await mailFacts(trx, p.caseId);
        if (!c) throw new Error(`Case ${p.caseId} is missing`);
        const stored = await trx
          .selectFrom('case_events')
          .selectAll()
          .where('case_id', '=', p.caseId)
          .where('id', 'in', p.eventIds)
          .orderBy('seq')
          .execute();
        const events = stored.map(eventView) as (NewEvent & { id: string })[];
        const to = await readers(trx, c, people);
        const mc: MailCase = {
          id: c.id,
          productName: c.product_name,
          customerName: to.customerName,
          merchantName: to.merchantName,
          currency: c.currency,
          url: `${config.publicUrl}/cases/${encodeURIComponent(c.id)}`,
          brand,
        };
        const at = new Date(p.at);
        const out: OutboxMessage[] = [];
        for (const event of events)
          for (const { side, template } of templatesFor(event, p.after))
            for (const reader of to.readers[side]) {
              const key = `mail-${event.id}-${sha256(reader.address).slice(0, 16)}`;
              const payload: EmailPayload = {
                to: { name: reader.name, address: reader.address },
                ...render(template, event, p.after, reader, mc, at),
                caseId: c.id,
                messageId: `<${key}@${domain}>`,
              };
              out.push({ kind: 'email', caseId: c.id, idempotencyKey: key, payload });
            }
        await enqueue(trx, clock.now(), out);
      });
    },
  };
}
