/**
 * The insights read as main had it before issue 19 (src/http/routes/insights.ts
 * at 97d1d1e): every case of the merchant and every merchant event loaded into
 * memory. Kept here only for the bench's "before" figure; the service no longer
 * uses it.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { CASE_STATUSES, type CaseStatus, isOpen } from '../src/domain/model.js';

const WEEKS = 12;
const WEEK = 7 * 24 * 60 * 60 * 1000;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function mondayUtc(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

export async function insightsBefore(db: Kysely<DB>, id: string, now: number) {
  const merchant = await db.selectFrom('merchants').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  const cases = await db.selectFrom('cases').select(['id', 'status', 'created_at']).where('merchant_id', '=', id).execute();
  const firsts = await db
    .selectFrom('case_events')
    .innerJoin('cases', 'cases.id', 'case_events.case_id')
    .select(['case_events.case_id', (eb) => eb.fn.min('case_events.created_at').as('first')])
    .where('cases.merchant_id', '=', id)
    .where('case_events.actor_kind', '=', 'merchant')
    .groupBy('case_events.case_id')
    .execute();
  const openedAt = new Map(cases.map((c) => [c.id, Date.parse(c.created_at)]));
  const waits = firsts.map((f) => Date.parse(String(f.first)) - (openedAt.get(f.case_id) ?? 0));
  const byStatus = Object.fromEntries(CASE_STATUSES.map((st) => [st, 0])) as Record<CaseStatus, number>;
  for (const c of cases) byStatus[c.status as CaseStatus] += 1;
  const thisWeek = mondayUtc(now);
  const weekly = Array.from({ length: WEEKS }, (_, i) => ({ start: thisWeek - (WEEKS - 1 - i) * WEEK, opened: 0 }));
  for (const c of cases) {
    const w = weekly.find((x) => x.start === mondayUtc(Date.parse(c.created_at)));
    if (w) w.opened += 1;
  }
  return {
    merchant,
    totalCases: cases.length,
    openCases: cases.filter((c) => isOpen(c.status as CaseStatus)).length,
    byStatus,
    medianFirstResponseMs: median(waits),
    answeredCases: waits.length,
    weekly: weekly.map((w) => ({ weekStart: new Date(w.start).toISOString(), opened: w.opened })),
  };
}
