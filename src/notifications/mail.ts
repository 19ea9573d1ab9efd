/**
 * Mail delivery: over SMTP (`SMTP_URL`, nodemailer) or, without it outside
 * production, into the local mailbox table that the dev mailbox endpoints
 * read. Each mail carries the Message-ID fixed when its row was written, so a
 * repeat after a crash is recognisable as the same mail.
 */
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import type { CaseService } from '../cases/service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { type OutboxHandler, PermanentError } from '../outbox/outbox.js';
import type { EmailPayload, ReminderPayload } from './listener.js';
import { oneLine } from './format.js';
import { pageById } from '../db/paging.js';

/** The local mailbox is on when no SMTP server is configured, and never in production. */
export function localMailboxOn(config: Config): boolean {
  return !config.production && !config.smtpUrl;
}

/** MAIL_FROM as given, or no-reply at PUBLIC_URL's host in the brand's name (an object, so any name is one safe header). */
export function mailFrom(config: Config): string | { name: string; address: string } {
  return config.mailFrom ?? { name: config.brand.name, address: `no-reply@${new URL(config.publicUrl).hostname || 'localhost'}` };
}

interface SmtpError {
  responseCode?: number;
}

export function emailHandler(db: Kysely<DB>, config: Config, clock: Clock): OutboxHandler {
  const transport = config.smtpUrl
    ? nodemailer.createTransport({
        url: config.smtpUrl,
        // One connection reused across mails: a new connection per mail cost ~100 ms on loopback
        // (a TLS relay costs more), which capped a worker at about 10 mails a second.
        pool: true,
        // Bounded so one unreachable server cannot hold a claimed batch past its lease.
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      })
    : null;
  const from = mailFrom(config);
  return {
    maxAttempts: 12,
    close: () => transport?.close(),
    async handle(row: OutboxRow) {
      const m = JSON.parse(row.payload) as EmailPayload;
      if (!transport) {
        if (!localMailboxOn(config)) throw new PermanentError('No SMTP_URL configured');
        await db
          .insertInto('mailbox')
          .values({
            message_id: m.messageId,
            to_address: m.to.address,
            subject: m.subject,
            text: m.text,
            html: m.html,
            case_id: m.caseId,
            created_at: clock.now().toISOString(),
          })
          .onConflict((oc) => oc.column('message_id').doNothing())
          .execute();
        return;
      }
      try {
        await transport.sendMail({
          from,
          to: { name: oneLine(m.to.name), address: m.to.address },
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: m.messageId,
          date: clock.now(),
          headers: { 'X-Resolution-Center-Case': m.caseId },
        });
      } catch (err) {
        // An SMTP 5xx (unknown mailbox, refused address) will not change by trying again; 4xx and network errors may.
        const code = (err as SmtpError).responseCode;
        if (typeof code === 'number' && code >= 500) throw new PermanentError(err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
  };
}

/** Runs 48 hours before a deadline; the one write path decides whether it is still due and appends `reminder_sent`. */
export function reminderHandler(cases: CaseService): OutboxHandler {
  return {
    async handle(row: OutboxRow) {
      const p = JSON.parse(row.payload) as ReminderPayload;
      await cases.system(p.caseId, { type: 'remind', dueAt: p.dueAt });
    },
  };
}

/** The local mailbox, newest first; `addresses` null reads every mail. */
export async function readMailbox(
  db: Kysely<DB>,
  filter: { addresses: string[] | null; caseId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const { addresses, caseId } = filter;
  if (addresses?.length === 0) return { data: [], nextCursor: null };
  return pageById(
    filter.limit,
    filter.cursor,
    (below, take) => {
      let q = db.selectFrom('mailbox').selectAll();
      if (addresses) q = q.where('to_address', 'in', addresses);
      if (caseId) q = q.where('case_id', '=', caseId);
      if (below !== null) q = q.where('id', '<', below);
      return q.orderBy('id', 'desc').limit(take).execute();
    },
    (m) => ({
      id: String(m.id),
      to: m.to_address,
      subject: m.subject,
      text: m.text,
      html: m.html,
      createdAt: m.created_at,
      caseId: m.case_id,
    }),
  );
}
