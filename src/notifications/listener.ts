/**
 * Turns each committed change of a case into outbox rows, inside its
 * transaction (SPEC §8): the emails of the change, the 48-hour reminder of a
 * new deadline, and one webhook event per subscribed endpoint. Nothing is sent
 * here; the worker delivers the rows.
 */
import type { Kysely, Transaction } from 'kysely';
import { CaseQueries } from '../cases/queries.js';
import type { CaseChange, ChangeListener } from '../cases/service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { isOpen } from '../domain/model.js';
import { prepare } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import { sha256 } from '../ids.js';
import type { OutboxMessage } from '../outbox/outbox.js';
import { brandView } from '../web/brand.js';
import { type MailCase, type Reader, type Side, render, templatesFor } from './templates.js';
import { publishWebhookEvent, webhookEventOf } from './webhooks.js';

export const REMINDER_LEAD_MS = 48 * 60 * 60 * 1000;

export interface EmailPayload {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  caseId: string;
  messageId: string;
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

/** The listener's reads, compiled once per listener, i.e. per database (see db/prepared.ts). */
function listenerReads() {
  return {
    /** The customer, the merchant and its members (a row per member; one row without member if none), in one statement. */
    people: prepare((db: Kysely<DB>, customerId: string, merchantId: string) =>
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
    ),
  };
}
type ListenerReads = ReturnType<typeof listenerReads>;

async function readers(
  trx: Transaction<DB>,
  change: CaseChange,
  reads: ListenerReads,
): Promise<{ readers: Record<Side, Reader[]>; customerName: string; merchantName: string }> {
  const rows = await reads.people(trx, change.row.customer_id, change.row.merchant_id);
  const [first] = rows;
  if (!first) throw new Error(`Case ${change.row.id}: its customer or merchant is missing`);
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

export function notificationListener(config: Config, clock: Clock): ChangeListener {
  const domain = mailDomain(config);
  const reads = listenerReads();
  const brand = brandView(config);
  return async (trx, change) => {
    const now = clock.now();
    const out: OutboxMessage[] = [];
    const caseId = change.row.id;

    const mails = change.events.flatMap((event) => templatesFor(event, change.after).map((t) => ({ event, ...t })));
    if (mails.length > 0) {
      const people = await readers(trx, change, reads);
      const mc: MailCase = {
        id: caseId,
        productName: change.payment.product_name,
        customerName: people.customerName,
        merchantName: people.merchantName,
        currency: change.payment.currency,
        url: `${config.publicUrl}/cases/${encodeURIComponent(caseId)}`,
        brand,
      };
      for (const { event, side, template } of mails)
        for (const reader of people.readers[side]) {
          const key = `mail-${event.id}-${sha256(reader.address).slice(0, 16)}`;
          const payload: EmailPayload = {
            to: { name: reader.name, address: reader.address },
            ...render(template, event, change.after, reader, mc, now),
            caseId,
            messageId: `<${key}@${domain}>`,
          };
          out.push({ kind: 'email', caseId, idempotencyKey: key, payload });
        }
    }

    // A new deadline gets its own reminder, as a row that runs 48 hours before it and re-checks the case.
    const due = change.after.dueAt;
    const reminder = due && isOpen(change.after.status) && due !== change.before?.dueAt ? reminderFor(caseId, due, now) : null;
    if (reminder) out.push(reminder);

    const type = webhookEventOf(change);
    if (type) {
      // Its own CaseQueries: reads inside this uncommitted transaction must not feed the shared timeline cache.
      const view = await new CaseQueries(trx, config).getForPlatform(caseId, now, false);
      // What changed: the case before this change (null for a new case). Consumers order by `case.version`.
      const previous = change.before ? { status: change.before.status, version: change.row.version - 1 } : null;
      out.push(...(await publishWebhookEvent(trx, now, type, caseId, { case: view, previous })));
    }
    return out;
  };
}
