/**
 * System evidence (SPEC §13): the platform's own record of a payment's delivery and
 * use (access granted, logins, downloads…). Append-only: an id once stored keeps its
 * content forever; the same PUT again changes nothing, another content is refused.
 */
import type { Kysely } from 'kysely';
import { type Viewer, roleIn } from '../cases/access.js';
import { canonicalJson } from '../cases/chain.js';
import { dialectOf, isUniqueViolation } from '../db/dialect.js';
import { decodeCursor, encodeCursor } from '../db/paging.js';
import type { DB, SystemEvidenceRow } from '../db/schema.js';
import { DomainError, notFound, validation } from '../domain/errors.js';

export const EVIDENCE_TYPES = [
  'access_granted',
  'login',
  'download',
  'license_activated',
  'usage',
  'delivery',
  'policy_accepted',
  'other',
] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/** At most this many items per payment (SPEC §13). */
export const MAX_EVIDENCE_PER_PAYMENT = 10_000;
/** `data` as JSON, in UTF-8 bytes. */
export const MAX_EVIDENCE_DATA_BYTES = 4096;
/** An occurredAt this far ahead of the service's clock is a mistake, as for a payment's paidAt (SPEC §11). */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

export interface EvidenceInput {
  type: EvidenceType;
  occurredAt: string;
  ip?: string | undefined;
  deviceId?: string | undefined;
  userAgent?: string | undefined;
  description: string;
  data?: Record<string, unknown> | undefined;
}

export interface EvidenceView {
  id: string;
  paymentId: string;
  type: EvidenceType;
  occurredAt: string;
  ip: string | null;
  deviceId: string | null;
  userAgent: string | null;
  description: string;
  data: Record<string, unknown> | null;
  createdAt: string;
}

export function evidenceView(r: SystemEvidenceRow): EvidenceView {
  return {
    id: r.id,
    paymentId: r.payment_id,
    type: r.type as EvidenceType,
    occurredAt: r.occurred_at,
    ip: r.ip,
    deviceId: r.device_id,
    userAgent: r.user_agent,
    description: r.description,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
    createdAt: r.created_at,
  };
}

/** The stored columns an input becomes; two inputs are the same content when these are equal. */
function columnsOf(input: EvidenceInput) {
  return {
    type: input.type,
    occurred_at: new Date(input.occurredAt).toISOString(),
    ip: input.ip ?? null,
    device_id: input.deviceId ?? null,
    user_agent: input.userAgent ?? null,
    description: input.description,
    data: input.data === undefined ? null : canonicalJson(input.data),
  };
}

const sameContent = (row: SystemEvidenceRow, c: ReturnType<typeof columnsOf>) =>
  row.type === c.type &&
  row.occurred_at === c.occurred_at &&
  row.ip === c.ip &&
  row.device_id === c.device_id &&
  row.user_agent === c.user_agent &&
  row.description === c.description &&
  row.data === c.data;

const changed = () => new DomainError('conflict', 'Evidence with this id already exists with other content; evidence is append-only.');

export class SystemEvidence {
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<DB>) {
    this.postgres = dialectOf(db as unknown as Kysely<unknown>) === 'postgres';
  }

  /** Stores one item, or confirms it is already stored as sent: `created` says which. */
  async put(paymentId: string, evidenceId: string, input: EvidenceInput, now: Date): Promise<EvidenceView & { created: boolean }> {
    if (input.data !== undefined && Buffer.byteLength(JSON.stringify(input.data)) > MAX_EVIDENCE_DATA_BYTES)
      throw validation('data', `At most ${MAX_EVIDENCE_DATA_BYTES} bytes of JSON`);
    if (Date.parse(input.occurredAt) > now.getTime() + FUTURE_SKEW_MS) throw validation('occurredAt', 'Must not be in the future');
    const c = columnsOf(input);
    try {
      return await this.db.transaction().execute(async (trx) => {
        // The payment's row lock orders concurrent PUTs for one payment (SQLite has one writer anyway), so the count holds.
        let payment = trx.selectFrom('payments').select('id').where('id', '=', paymentId);
        if (this.postgres) payment = payment.forUpdate();
        if (!(await payment.executeTakeFirst())) throw notFound('payment');
        const existing = await trx
          .selectFrom('system_evidence')
          .selectAll()
          .where('payment_id', '=', paymentId)
          .where('id', '=', evidenceId)
          .executeTakeFirst();
        if (existing) {
          if (!sameContent(existing, c)) throw changed();
          return { ...evidenceView(existing), created: false };
        }
        const { n } = await trx
          .selectFrom('system_evidence')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('payment_id', '=', paymentId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= MAX_EVIDENCE_PER_PAYMENT)
          throw new DomainError('evidence_limit_reached', `A payment holds at most ${MAX_EVIDENCE_PER_PAYMENT} evidence items.`);
        const row = await trx
          .insertInto('system_evidence')
          .values({ payment_id: paymentId, id: evidenceId, ...c, created_at: now.toISOString() })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { ...evidenceView(row), created: true };
      });
    } catch (err) {
      // Two first PUTs of one id racing: the unique key decides; the loser answers as a repeat would.
      if (!isUniqueViolation(err)) throw err;
      const row = await this.db
        .selectFrom('system_evidence')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .where('id', '=', evidenceId)
        .executeTakeFirstOrThrow();
      if (!sameContent(row, c)) throw changed();
      return { ...evidenceView(row), created: false };
    }
  }

  /** One page of a case's payment's evidence, by occurredAt then arrival, for its parties and staff. */
  async forCase(viewer: Viewer, caseId: string, limit: number, cursor?: string) {
    const c = await this.db
      .selectFrom('cases')
      .select(['payment_id', 'customer_id', 'merchant_id'])
      .where('id', '=', caseId)
      .executeTakeFirst();
    if (!c || !roleIn(viewer, c)) throw notFound('case');
    const after = decodeCursor(cursor, { numericId: true });
    let q = this.db.selectFrom('system_evidence').selectAll().where('payment_id', '=', c.payment_id);
    if (after) q = q.where((eb) => eb(eb.refTuple('occurred_at', 'n'), '>', eb.tuple(after.a, Number(after.id))));
    const rows = await q
      .orderBy('occurred_at')
      .orderBy('n')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    return { data: data.map(evidenceView), nextCursor: more && last ? encodeCursor(last.occurred_at, String(last.n)) : null };
  }

  /** Everything held for a payment, in order (the case file lists it whole). */
  async forPayment(paymentId: string): Promise<EvidenceView[]> {
    const rows = await this.db
      .selectFrom('system_evidence')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .orderBy('occurred_at')
      .orderBy('n')
      .execute();
    return rows.map(evidenceView);
  }
}
