/**
 * Staff's review queue (SPEC §9 `GET /review-queue`): the open cases waiting for staff,
 * oldest first, with why each came to staff (SPEC §16's review reasons and assignees), then
 * the closed cases whose remedy failed or whose payment was over-refunded. Apart from the
 * case reads because it pages on `review_since`, not on creation, and reads the event
 * that moved each case into review.
 */
import type { Kysely } from 'kysely';
import type { CaseStatus } from '../domain/model.js';
import { REVIEW_ENTRIES, REVIEW_ENTRY_TYPES, type ReviewEntry, type ReviewReason, reviewEntryOf } from '../domain/review.js';
import type { DB } from '../db/schema.js';
import { decodeCursor, encodeCursor } from '../db/paging.js';
import { type Viewer, roleIn } from './access.js';
import { type JoinedCase, baseQuery } from './case-rows.js';
import { parseState } from './service.js';
import { caseView } from './views.js';

export class ReviewQueue {
  constructor(private readonly db: Kysely<DB>) {}

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
  async list(viewer: Viewer, now: Date, limit: number, cursor?: string, reason?: ReviewReason, assignee?: string) {
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
}
