/**
 * Case reads (SPEC §9, §14): one case as its viewer may see it, with its timeline, and the
 * lists of cases with their cursors, for people and for the platform. The joined row is in
 * case-rows.ts, the views in views.ts, the timeline cache in timeline-cache.ts; staff's
 * queue (review-queue.ts) and the customer's orders and credits (payment-reads.ts) are
 * readers of their own.
 */
import type { Kysely } from 'kysely';
import { notFound } from '../domain/errors.js';
import { type CaseStatus, OPEN_STATUSES, type PartyRole } from '../domain/model.js';
import type { DB } from '../db/schema.js';
import { decodeCursor, encodeCursor } from '../db/paging.js';
import { prepare } from '../db/prepared.js';
import { type Viewer, roleIn } from './access.js';
import { type CasesQuery, type JoinedCase, baseQuery, casesOnly, joinedOf } from './case-rows.js';
import { type CaseChange, lastSeqColumn } from './service.js';
import { TimelineCache, shownTo } from './timeline-cache.js';
import { type CaseView, caseView, eventView } from './views.js';

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

export class CaseQueries {
  /** This reader's timelines: a reader made inside a transaction (listener.ts) keeps its own. */
  private readonly timelines: TimelineCache;

  constructor(private readonly db: Kysely<DB>) {
    this.timelines = new TimelineCache(db);
  }

  /** The case row with its payment, names and last event seq. */
  private readonly caseRows = prepare((db: Kysely<DB>, caseId: string) =>
    baseQuery(db).select(lastSeqColumn).where('cases.id', '=', caseId),
  );

  private async caseRow(caseId: string) {
    return (await this.caseRows(this.db, caseId))[0] as (JoinedCase & { last_seq: number | null }) | undefined;
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
        ? await this.timelines.timeline(caseId, lastSeq, visibility)
        : after >= lastSeq
          ? []
          : await this.timelines.between(caseId, after, lastSeq, visibility);
    return caseView(c, role, viewer, now, events);
  }

  /**
   * The answer to a change this instance just committed (SPEC §4: the case as it is after the
   * action), built from the change's own rows: no read of the case, and none of its timeline
   * when the kept one was current before the change. `after` as in `get`.
   */
  async afterChange(viewer: Viewer, change: CaseChange, now: Date, after?: number) {
    const c = joinedOf(change.row, change.payment, change.names);
    const role = roleIn(viewer, c);
    if (!role) throw notFound('case');
    const first = change.stored[0];
    const last = change.stored.at(-1);
    if (!first || !last) return this.get(viewer, c.id, now, after);
    const previousSeq = first.seq - 1;
    this.timelines.extend(c.id, previousSeq, change.stored);
    const visibility = role === 'staff' ? 'staff' : 'public';
    const events =
      after === undefined
        ? await this.timelines.timeline(c.id, last.seq, visibility)
        : after >= previousSeq
          ? change.stored.filter((e) => e.seq > after && shownTo(visibility)(e)).map(eventView)
          : await this.timelines.between(c.id, after, last.seq, visibility);
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
    return caseView(c, null, null, now, await this.timelines.timeline(caseId, Number(c.last_seq ?? 0), 'public'));
  }
}
