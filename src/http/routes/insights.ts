/**
 * A merchant's insights (web app, merchant pages): open cases, median time to
 * the first merchant answer, outcomes, and cases opened per week. A read only;
 * members of the merchant and staff may see it, anyone else gets 404.
 */
import { z } from 'zod';
import type { Services } from '../../app.js';
import { notFound } from '../../domain/errors.js';
import { CASE_STATUSES, CLOSED_STATUSES, type CaseStatus, isOpen } from '../../domain/model.js';
import { requirePerson, viewerOf } from '../auth.js';
import { IdParams } from '../schemas.js';
import { type FastifyZod, PERSON, type RouteModule } from '../server.js';

const WEEKS = 12;
const WEEK = 7 * 24 * 60 * 60 * 1000;

export const Insights = z.object({
  merchant: z.object({ id: z.string(), name: z.string() }),
  totalCases: z.number().int(),
  openCases: z.number().int(),
  awaitingMerchant: z.number().int(),
  byStatus: z.record(z.string(), z.number().int()),
  /** Median time from opening to the merchant's first action, over the cases the merchant answered. */
  medianFirstResponseMs: z.number().nullable(),
  answeredCases: z.number().int(),
  outcomes: z.object(
    Object.fromEntries(CLOSED_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof CLOSED_STATUSES)[number], z.ZodNumber>,
  ),
  /** Cases opened per week, the last 12 weeks, oldest first; a week starts on Monday 00:00 UTC. */
  weekly: z.array(z.object({ weekStart: z.string(), opened: z.number().int() })),
});

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

export const insightsRoutes: RouteModule = (app: FastifyZod, s: Services) => {
  app.get('/api/v1/merchants/:id/insights', {
    preHandler: requirePerson,
    schema: {
      tags: ['merchant'],
      security: PERSON,
      summary: 'A merchant’s case insights: open cases, first-response time, outcomes, cases per week',
      params: IdParams,
      response: { 200: Insights },
    },
    handler: async (req) => {
      const viewer = viewerOf(req);
      const id = req.params.id;
      const merchant = await s.db.selectFrom('merchants').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
      if (!merchant || (!viewer.isStaff && !viewer.merchantIds.includes(id))) throw notFound('merchant');

      const cases = await s.db.selectFrom('cases').select(['id', 'status', 'created_at']).where('merchant_id', '=', id).execute();
      const firsts = await s.db
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

      const thisWeek = mondayUtc(s.clock.now().getTime());
      const weekly = Array.from({ length: WEEKS }, (_, i) => ({ start: thisWeek - (WEEKS - 1 - i) * WEEK, opened: 0 }));
      for (const c of cases) {
        const w = weekly.find((x) => x.start === mondayUtc(Date.parse(c.created_at)));
        if (w) w.opened += 1;
      }

      return {
        merchant,
        totalCases: cases.length,
        openCases: cases.filter((c) => isOpen(c.status as CaseStatus)).length,
        awaitingMerchant: byStatus.merchant_response_needed + byStatus.merchant_info_needed,
        byStatus,
        medianFirstResponseMs: median(waits),
        answeredCases: waits.length,
        outcomes: {
          customer_won: byStatus.customer_won,
          merchant_won: byStatus.merchant_won,
          customer_withdrew: byStatus.customer_withdrew,
          chargeback_filed: byStatus.chargeback_filed,
        },
        weekly: weekly.map((w) => ({ weekStart: new Date(w.start).toISOString(), opened: w.opened })),
      };
    },
  });
};
