/**
 * The timeline cache: a case's events as `EventView`s, kept by case and visibility so that
 * a case read fetches only the events newer than the ones it holds (the app's one
 * `CaseQueries` holds the shared cache). It also keeps each timeline's JSON, which the
 * server's serialiser (http/server.ts, `timelineJson`) reuses while a timeline is handed
 * out unchanged. Apart from the case reads because it has rules of its own: what may be
 * kept, for how long, and why it stays exact.
 */
import type { Kysely } from 'kysely';
import type { CaseEventRow, DB } from '../db/schema.js';
import { prepare } from '../db/prepared.js';
import { type EventView, eventView } from './views.js';

export type Visibility = 'public' | 'staff';

/** Whether a viewer of `visibility` sees an event: staff see all, everyone else the public ones. */
export const shownTo = (visibility: Visibility) => (e: Pick<CaseEventRow, 'visibility'>) =>
  visibility === 'staff' || e.visibility === 'public';

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
 * The JSON of a timeline that a `TimelineCache` handed out whole and nobody has changed since;
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

export class TimelineCache {
  /**
   * Timelines already read, by case and visibility, least recently used first. Events are
   * only ever appended (seq is gapless per case, fixed at commit), so the events up to a
   * seq never change: a read takes the case's last seq from the database and fetches only
   * what is newer than what it holds. Reading and decoding the rows was most of a case read.
   */
  private readonly timelines = new Map<string, KeptTimeline>();

  constructor(private readonly db: Kysely<DB>) {}

  /** Events after one seq up to another: all of them (staff), or the public ones. */
  private readonly eventRows = {
    staff: prepare(eventsBetween),
    public: prepare((db: Kysely<DB>, caseId: string, after: number, upTo: number) =>
      eventsBetween(db, caseId, after, upTo).where('visibility', '=', 'public'),
    ),
  };

  /** The events up to `lastSeq` a viewer of `visibility` may see, in order. */
  async timeline(caseId: string, lastSeq: number, visibility: Visibility): Promise<EventView[]> {
    const key = `${visibility}:${caseId}`;
    const kept = this.timelines.get(key);
    // Another instance may have read a newer seq than this snapshot: the older prefix is still exact.
    if (kept && kept.seq >= lastSeq) {
      this.timelines.delete(key);
      this.timelines.set(key, kept);
      return kept.seq === lastSeq ? handOut(kept) : kept.events.filter((e) => e.seq <= lastSeq);
    }
    const rows = await this.eventRows[visibility](this.db, caseId, kept?.seq ?? 0, lastSeq);
    return handOut(this.keep(key, { seq: lastSeq, events: [...(kept?.events ?? []), ...rows.map(eventView)] }));
  }

  /** Keeps `timeline` as the most recently used, dropping the least recently used one when full. */
  private keep(key: string, timeline: KeptTimeline): KeptTimeline {
    this.timelines.delete(key);
    if (this.timelines.size >= TIMELINES_KEPT) this.timelines.delete(this.timelines.keys().next().value as string);
    this.timelines.set(key, timeline);
    return timeline;
  }

  /**
   * A change this instance just committed: its events (`stored`, the case's events after
   * `previousSeq`) extend the timelines kept at `previousSeq` (all of a new case's), so the
   * answer to the change reads none. Another instance's changes are read as usual.
   */
  extend(caseId: string, previousSeq: number, stored: CaseEventRow[]): void {
    const last = stored.at(-1);
    if (!last) return;
    for (const visibility of ['staff', 'public'] as const) {
      const key = `${visibility}:${caseId}`;
      const kept = this.timelines.get(key) ?? (previousSeq === 0 ? { seq: 0, events: [] } : undefined);
      if (!kept || kept.seq !== previousSeq) continue;
      this.keep(key, { seq: last.seq, events: [...kept.events, ...stored.filter(shownTo(visibility)).map(eventView)] });
    }
  }

  /** The events after `after` up to `upTo`, read alone and not kept, whatever the history's length. */
  async between(caseId: string, after: number, upTo: number, visibility: Visibility): Promise<EventView[]> {
    return (await this.eventRows[visibility](this.db, caseId, after, upTo)).map(eventView);
  }
}
