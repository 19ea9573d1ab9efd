/** Reads: cases as each caller may see them, lists with cursors, orders, the review queue, credits. */
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { type AttachmentRef, turnOf } from '../domain/case.js';
import { availableActions } from '../domain/case-actions.js';
import { eligibility } from '../domain/eligibility.js';
import { notFound } from '../domain/errors.js';
import {
  type ActorKind,
  type CaseStatus,
  type EventType,
  type IssueType,
  OPEN_STATUSES,
  type PartyRole,
  type PeopleActionType,
} from '../domain/model.js';
import { REVIEW_ENTRIES, REVIEW_ENTRY_TYPES, type ReviewEntry, type ReviewReason, reviewEntryOf } from '../domain/review.js';
import type { CaseEventRow, CaseRow, DB, PaymentRow } from '../db/schema.js';
import { decodeCursor, encodeCursor } from '../db/paging.js';
import { prepare } from '../db/prepared.js';
import type { CaseView as CaseViewSchema, EventView as EventViewSchema } from '../http/schemas.js';
import { type Viewer, roleIn } from './access.js';
import { chargebackCount, eligibilityFacts, lastSeqColumn, parseState } from './service.js';

const caseColumns = [
  'cases.id',
  'cases.payment_id',
  'cases.customer_id',
  'cases.merchant_id',
  'cases.issue_type',
  'cases.description',
  'cases.status',
  'cases.due_at',
  'cases.appeal_deadline',
  'cases.final',
  'cases.review_since',
  'cases.remedy_failed',
  'cases.assignee_id',
  'cases.state',
  'cases.version',
  'cases.created_at',
  'cases.updated_at',
  'payments.amount as p_amount',
  'payments.currency as p_currency',
  'payments.refunded_amount as p_refunded',
  'payments.credited_amount as p_credited',
  'payments.provider as p_provider',
  'payments.product_name as p_product',
  'payments.paid_at as p_paid_at',
  'customer.name as customer_name',
  'merchants.name as merchant_name',
  'assignee.name as assignee_name',
] as const;

function baseQuery(db: Kysely<DB>) {
  return db
    .selectFrom('cases')
    .innerJoin('payments', 'payments.id', 'cases.payment_id')
    .innerJoin('users as customer', 'customer.id', 'cases.customer_id')
    .innerJoin('merchants', 'merchants.id', 'cases.merchant_id')
    .leftJoin('users as assignee', 'assignee.id', 'cases.assignee_id')
    .select(caseColumns);
}

/** The cases of a list, before the joins: filters, cursor and order run on the cases table alone. */
function casesOnly(db: Kysely<DB>) {
  return db.selectFrom('cases');
}

type CasesQuery = ReturnType<typeof casesOnly>;

type JoinedCase = CaseRow & {
  p_amount: number;
  p_currency: string;
  p_refunded: number;
  p_credited: number;
  p_provider: string;
  p_product: string;
  p_paid_at: string;
  customer_name: string;
  merchant_name: string;
  assignee_name: string | null;
};

/** Views are the API's schemas (http/schemas.ts): the mappers below are checked against them. */
export type EventView = z.infer<typeof EventViewSchema>;
export type CaseView = z.infer<typeof CaseViewSchema>;

export function eventView(e: CaseEventRow): EventView {
  return {
    id: e.id,
    seq: e.seq,
    type: e.type as EventType,
    actor: {
      kind: e.actor_kind as ActorKind,
      id: e.actor_id,
      name: e.actor_name,
      ...(e.actor_via === 'platform' ? { via: 'platform' as const } : {}),
    },
    message: e.message,
    attachments: JSON.parse(e.attachments) as AttachmentRef[],
    data: JSON.parse(e.data) as Record<string, unknown>,
    visibility: e.visibility as 'public' | 'staff',
    createdAt: e.created_at,
    hash: e.hash,
  };
}

/** The case as SPEC §9 returns it; `role` null is the platform's view (no actions). */
function caseView(c: JoinedCase, role: PartyRole | null, viewer: Viewer | null, now: Date, timeline?: EventView[]): CaseView {
  const s = parseState(c);
  const actions: PeopleActionType[] =
    role && viewer
      ? availableActions(s, {
          role,
          now,
          actor: { kind: role, id: viewer.userId, name: viewer.name },
          payment: { amount: c.p_amount, refundedAmount: c.p_refunded, credits: c.p_credited, currency: c.p_currency },
        })
      : [];
  return {
    id: c.id,
    status: s.status,
    issueType: c.issue_type as IssueType,
    description: c.description,
    payment: {
      id: c.payment_id,
      amount: c.p_amount,
      currency: c.p_currency,
      refundedAmount: c.p_refunded,
      provider: c.p_provider,
      productName: c.p_product,
      paidAt: c.p_paid_at,
    },
    customer: { id: c.customer_id, name: c.customer_name },
    merchant: { id: c.merchant_id, name: c.merchant_name },
    dueAt: s.dueAt,
    turn: turnOf(s.status),
    offer: s.offer,
    customerAppealed: s.customerAppealed,
    merchantAppealed: s.merchantAppealed,
    appealDeadline: s.final ? null : s.appealDeadline,
    inAppeal: s.inAppeal,
    final: s.final,
    outcome: s.outcome,
    role,
    availableActions: actions,
    assignee: role !== 'customer' && role !== 'merchant' && c.assignee_id ? { id: c.assignee_id, name: c.assignee_name ?? '' } : null,
    ...(timeline ? { timeline } : {}),
    version: c.version,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

/** The names a case view shows beside the case and payment rows. */
export interface CaseNames {
  customer_name: string;
  merchant_name: string;
  assignee_name: string | null;
}

/**
 * The platform's view of a case from rows the caller already holds (a change's own row and
 * payment): the webhook event of every change is built from them, without reading the case again.
 */
export function platformViewOf(row: CaseRow, payment: PaymentRow, names: CaseNames, now: Date): CaseView {
  const c: JoinedCase = {
    ...row,
    p_amount: payment.amount,
    p_currency: payment.currency,
    p_refunded: payment.refunded_amount,
    p_credited: payment.credited_amount,
    p_provider: payment.provider,
    p_product: payment.product_name,
    p_paid_at: payment.paid_at,
    ...names,
  };
  return caseView(c, null, null, now);
}

export interface ListFilter {
  status?: CaseStatus | CaseStatus[] | undefined;
  role?: PartyRole | undefined;
  merchantId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The platform's search (SPEC §14). */
export interface PlatformFilter extends Omit<ListFilter, 'role'> {
  state?: 'open' | 'closed' | undefined;
  customerId?: string | undefined;
  paymentId?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  updatedSince?: string | undefined;
}

/** Times compare as stored strings: normalise what the caller sent to `toISOString()`'s form. */
const iso = (t: string) => new Date(t).toISOString();

type Visibility = 'public' | 'staff';

function eventsBetween(db: Kysely<DB>, caseId: string, after: number, upTo: number) {
  return db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('seq', '>', after)
    .where('seq', '<=', upTo)
    .orderBy('seq');
}

/** How many timelines a process keeps (a 20-event timeline is about 10 KB). */
const TIMELINES_KEPT = 2000;

interface KeptTimeline {
  seq: number;
  events: EventView[];
  /** Serialised on first use: most of a case read's serialising, done once per seq. */
  json?: string;
}

/** Each timeline handed out whole, with the kept timeline it copies. */
const handedOut = new WeakMap<EventView[], KeptTimeline>();

/**
 * The JSON of a timeline that `CaseQueries` handed out whole and nobody has changed since;
 * undefined for any other array (the caller serialises it itself).
 */
export function timelineJson(events: unknown): string | undefined {
  const kept = handedOut.get(events as EventView[]);
  if (!kept || (events as EventView[]).length !== kept.events.length) return undefined;
  kept.json ??= JSON.stringify(kept.events);
  return kept.json;
}

/** A copy, so the caller cannot change what is kept; its JSON is still the kept one's. */
function handOut(kept: KeptTimeline): EventView[] {
  const copy = kept.events.slice();
  handedOut.set(copy, kept);
  return copy;
}

export class CaseQueries {
  /**
   * Timelines already read, by case and visibility, least recently used first. Events are
   * only ever appended (seq is gapless per case, fixed at commit), so the events up to a
   * seq never change: a read takes the case's last seq from the database and fetches only
   * what is newer than what it holds. Reading and decoding the rows was most of a case read.
   */
  private readonly timelines = new Map<string, KeptTimeline>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Config,
  ) {}

  /** The case row with its payment, names and last event seq. */
  private readonly caseRows = prepare((db: Kysely<DB>, caseId: string) =>
    baseQuery(db).select(lastSeqColumn).where('cases.id', '=', caseId),
  );

  private async caseRow(caseId: string) {
    return (await this.caseRows(this.db, caseId))[0] as (JoinedCase & { last_seq: number | null }) | undefined;
  }

  /** Events after one seq up to another: all of them (staff), or the public ones. */
  private readonly eventRows = {
    staff: prepare(eventsBetween),
    public: prepare((db: Kysely<DB>, caseId: string, after: number, upTo: number) =>
      eventsBetween(db, caseId, after, upTo).where('visibility', '=', 'public'),
    ),
  };

  /** The events up to `lastSeq` a viewer of `visibility` may see, in order. */
  private async timeline(caseId: string, lastSeq: number, visibility: Visibility): Promise<EventView[]> {
    const key = `${visibility}:${caseId}`;
    const kept = this.timelines.get(key);
    // Another instance may have read a newer seq than this snapshot: the older prefix is still exact.
    if (kept && kept.seq >= lastSeq) {
      this.timelines.delete(key);
      this.timelines.set(key, kept);
      return kept.seq === lastSeq ? handOut(kept) : kept.events.filter((e) => e.seq <= lastSeq);
    }
    const rows = await this.eventRows[visibility](this.db, caseId, kept?.seq ?? 0, lastSeq);
    const fresh: KeptTimeline = { seq: lastSeq, events: [...(kept?.events ?? []), ...rows.map(eventView)] };
    this.timelines.delete(key);
    if (this.timelines.size >= TIMELINES_KEPT) this.timelines.delete(this.timelines.keys().next().value as string);
    this.timelines.set(key, fresh);
    return handOut(fresh);
  }

  /** With `after`, the timeline holds only the events after that seq: read alone, not kept, whatever the history's length. */
  async get(viewer: Viewer, caseId: string, now: Date, after?: number) {
    const c = await this.caseRow(caseId);
    const role = c ? roleIn(viewer, c) : null;
    if (!c || !role) throw notFound('case');
    const lastSeq = Number(c.last_seq ?? 0);
    const visibility = role === 'staff' ? 'staff' : 'public';
    const events =
      after === undefined
        ? await this.timeline(caseId, lastSeq, visibility)
        : after >= lastSeq
          ? []
          : (await this.eventRows[visibility](this.db, caseId, after, lastSeq)).map(eventView);
    return caseView(c, role, viewer, now, events);
  }

  /**
   * One page, newest first. The page's ids come from the cases table alone, so the
   * (…, created_at, id) indexes give them in order and the cursor is one range on
   * them (a row-value comparison, not an OR the planners cannot seek with); only those
   * rows are then joined. A page deep in the chain costs what the first one does.
   */
  private async page(q: CasesQuery, filter: ListFilter, view: (c: JoinedCase) => CaseView) {
    const cursor = decodeCursor(filter.cursor);
    const statuses = filter.status === undefined ? [] : [filter.status].flat();
    if (statuses.length) q = q.where('cases.status', 'in', statuses);
    if (cursor) q = q.where((eb) => eb(eb.refTuple('cases.created_at', 'cases.id'), '<', eb.tuple(cursor.a, cursor.id)));
    const ids = q
      .select('cases.id')
      .orderBy('cases.created_at', 'desc')
      .orderBy('cases.id', 'desc')
      .limit(filter.limit + 1);
    const rows = (await baseQuery(this.db)
      .where('cases.id', 'in', ids)
      .orderBy('cases.created_at', 'desc')
      .orderBy('cases.id', 'desc')
      .execute()) as JoinedCase[];
    const more = rows.length > filter.limit;
    const data = rows.slice(0, filter.limit);
    const last = data.at(-1);
    return { data: data.map(view), nextCursor: more && last ? encodeCursor(last.created_at, last.id) : null };
  }

  /** The cases a person may see (SPEC §9 `GET /cases`), newest first. */
  async list(viewer: Viewer, filter: ListFilter, now: Date) {
    if (filter.merchantId && !viewer.merchantIds.includes(filter.merchantId) && !viewer.isStaff) return { data: [], nextCursor: null };
    if (filter.role === 'staff' && !viewer.isStaff) return { data: [], nextCursor: null };
    let q = casesOnly(this.db);
    if (filter.merchantId) q = q.where('cases.merchant_id', '=', filter.merchantId);
    const mine = viewer.merchantIds;
    if (filter.role === 'customer') q = q.where('cases.customer_id', '=', viewer.userId);
    else if (filter.role === 'merchant') {
      if (mine.length === 0) return { data: [], nextCursor: null };
      q = q.where('cases.merchant_id', 'in', mine);
    } else if (!viewer.isStaff)
      q = q.where((eb) =>
        mine.length
          ? eb.or([eb('cases.customer_id', '=', viewer.userId), eb('cases.merchant_id', 'in', mine)])
          : eb('cases.customer_id', '=', viewer.userId),
      );
    return this.page(q, filter, (c) => caseView(c, roleIn(viewer, c), viewer, now));
  }

  /** The platform sees every case, without people's actions. */
  async listForPlatform(filter: PlatformFilter, now: Date) {
    let q = casesOnly(this.db);
    if (filter.merchantId) q = q.where('cases.merchant_id', '=', filter.merchantId);
    if (filter.customerId) q = q.where('cases.customer_id', '=', filter.customerId);
    if (filter.paymentId) q = q.where('cases.payment_id', '=', filter.paymentId);
    if (filter.state) q = q.where('cases.status', filter.state === 'open' ? 'in' : 'not in', [...OPEN_STATUSES]);
    if (filter.createdAfter) q = q.where('cases.created_at', '>=', iso(filter.createdAfter));
    if (filter.createdBefore) q = q.where('cases.created_at', '<', iso(filter.createdBefore));
    if (filter.updatedSince) q = q.where('cases.updated_at', '>=', iso(filter.updatedSince));
    return this.page(q, filter, (c) => caseView(c, null, null, now));
  }

  async getForPlatform(caseId: string, now: Date, withTimeline = true) {
    const c = await this.caseRow(caseId);
    if (!c) throw notFound('case');
    if (!withTimeline) return caseView(c, null, null, now);
    return caseView(c, null, null, now, await this.timeline(caseId, Number(c.last_seq ?? 0), 'public'));
  }

  /**
   * Why each waiting case is with staff: the event that moved it into review is one of the
   * case's events at `review_since` (a plan's events share their instant), so one query for
   * the whole page reads just those, not the timelines. Of several at one instant, the last
   * one that set the status wins.
   */
  private async reviewEntries(rows: JoinedCase[]): Promise<Map<string, ReviewEntry>> {
    const found = new Map<string, ReviewEntry>();
    if (rows.length === 0) return found;
    const events = await this.db
      .selectFrom('case_events')
      .innerJoin('cases', 'cases.id', 'case_events.case_id')
      .select(['case_events.case_id', 'case_events.type', 'case_events.actor_kind', 'case_events.data'])
      .where(
        'case_events.case_id',
        'in',
        rows.map((r) => r.id),
      )
      .whereRef('case_events.created_at', '=', 'cases.review_since')
      .where('case_events.type', 'in', REVIEW_ENTRY_TYPES)
      .orderBy('case_events.seq')
      .execute();
    for (const e of events) {
      const status = (JSON.parse(e.data) as { status?: CaseStatus }).status;
      const entry = reviewEntryOf({ type: e.type, actorKind: e.actor_kind, status });
      if (entry) found.set(e.case_id, entry);
    }
    return found;
  }

  /**
   * Staff's queue (SPEC §9): cases awaiting staff, oldest escalation first, then
   * closed cases whose remedy failed. Each part reads its own partial index. `reason`
   * keeps one kind: the SQL narrows to cases with such an event at `review_since`, the
   * entry read above confirms it (the page may then be short; the cursor stays exact).
   */
  async reviewQueue(viewer: Viewer, now: Date, limit: number, cursor?: string, reason?: ReviewReason, assignee?: string) {
    const after = decodeCursor(cursor);
    // SPEC §16: `me`, `none` or a staff member's id.
    const held = <Q extends ReturnType<typeof baseQuery>>(q: Q): Q =>
      assignee === undefined
        ? q
        : assignee === 'none'
          ? (q.where('cases.assignee_id', 'is', null) as Q)
          : (q.where('cases.assignee_id', '=', assignee === 'me' ? viewer.userId : assignee) as Q);
    type QueueReason = 'appeal' | 'escalation' | 'remedy_failed' | 'over_refunded';
    const item = (c: JoinedCase, queueReason: QueueReason, reviewReason: ReviewReason | null) => ({
      ...caseView(c, roleIn(viewer, c), viewer, now),
      queueReason,
      reviewReason,
      reviewSince: c.review_since,
    });
    // The closed cases that wait for staff come with the first page only, each from its own partial index.
    const closedKind = async (kind: 'remedy_failed' | 'over_refunded') =>
      after || (reason && reason !== kind)
        ? []
        : ((await held(baseQuery(this.db))
            .where(kind === 'remedy_failed' ? 'cases.remedy_failed' : 'payments.over_refunded', '=', 1)
            .orderBy('cases.updated_at')
            .limit(100)
            .execute()) as JoinedCase[]);
    const failed = await closedKind('remedy_failed');
    const over = await closedKind('over_refunded');
    if (reason === 'remedy_failed') return { data: failed.map((c) => item(c, 'remedy_failed', 'remedy_failed')), nextCursor: null };
    if (reason === 'over_refunded') return { data: over.map((c) => item(c, 'over_refunded', 'over_refunded')), nextCursor: null };
    let q = held(baseQuery(this.db)).where('cases.review_since', 'is not', null);
    if (after)
      q = q.where((eb) =>
        eb.or([eb('cases.review_since', '>', after.a), eb.and([eb('cases.review_since', '=', after.a), eb('cases.id', '>', after.id)])]),
      );
    if (reason) {
      const entry = REVIEW_ENTRIES[reason];
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('case_events as e')
            .select('e.seq')
            .whereRef('e.case_id', '=', 'cases.id')
            .whereRef('e.created_at', '=', 'cases.review_since')
            .where('e.type', '=', entry.type)
            .where('e.actor_kind', '=', entry.actor),
        ),
      );
    }
    const rows = (await q
      .orderBy('cases.review_since')
      .orderBy('cases.id')
      .limit(limit + 1)
      .execute()) as JoinedCase[];
    const more = rows.length > limit;
    const waiting = rows.slice(0, limit);
    const entries = await this.reviewEntries(waiting);
    const last = waiting.at(-1);
    const listed = new Set([...waiting, ...failed].map((c) => c.id));
    return {
      data: [
        ...waiting
          .filter((c) => !reason || entries.get(c.id) === reason)
          .map((c) => item(c, parseState(c).inAppeal ? 'appeal' : 'escalation', entries.get(c.id) ?? null)),
        ...failed.map((c) => item(c, 'remedy_failed', 'remedy_failed')),
        ...over.filter((c) => !listed.has(c.id)).map((c) => item(c, 'over_refunded', 'over_refunded')),
      ],
      nextCursor: more && last?.review_since ? encodeCursor(last.review_since, last.id) : null,
    };
  }

  /** The customer's payments with their eligibility (SPEC §2), newest first, a page at a time. */
  async orders(viewer: Viewer, now: Date, page: { limit: number; cursor?: string | undefined }) {
    const cursor = decodeCursor(page.cursor);
    let q = this.db
      .selectFrom('payments')
      .innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
      .leftJoin('cases', 'cases.payment_id', 'payments.id')
      .select([
        'payments.id',
        'payments.amount',
        'payments.currency',
        'payments.refunded_amount',
        'payments.provider',
        'payments.product_name',
        'payments.paid_at',
        'payments.status',
        'payments.merchant_id',
        'merchants.name as merchant_name',
        'cases.id as case_id',
      ])
      .select(chargebackCount)
      .where('payments.customer_id', '=', viewer.userId);
    if (cursor) q = q.where((eb) => eb(eb.refTuple('payments.paid_at', 'payments.id'), '<', eb.tuple(cursor.a, cursor.id)));
    const rows = await q
      .orderBy('payments.paid_at', 'desc')
      .orderBy('payments.id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
    return {
      nextCursor: last ? encodeCursor(last.paid_at, last.id) : null,
      data: rows.slice(0, page.limit).map((p) => {
        const reason = eligibility(eligibilityFacts(p), viewer.merchantIds, now, this.config.filingWindow);
        return {
          id: p.id,
          amount: p.amount,
          currency: p.currency,
          refundedAmount: p.refunded_amount,
          provider: p.provider,
          productName: p.product_name,
          paidAt: p.paid_at,
          status: p.status,
          merchant: { id: p.merchant_id, name: p.merchant_name },
          eligibility: { eligible: reason === null, reason },
          caseId: p.case_id,
        };
      }),
    };
  }

  async credits(viewer: Viewer) {
    const entries = await this.db
      .selectFrom('credit_entries')
      .select(['id', 'case_id', 'currency', 'amount', 'created_at'])
      .where('customer_id', '=', viewer.userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const balances = new Map<string, number>();
    for (const e of entries) balances.set(e.currency, (balances.get(e.currency) ?? 0) + e.amount);
    return {
      balances: [...balances].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount })),
      entries: entries.map((e) => ({ id: e.id, caseId: e.case_id, currency: e.currency, amount: e.amount, createdAt: e.created_at })),
    };
  }
}
