/**
 * A merchant's insights (SPEC §16): rates against the networks' thresholds, outcomes and
 * refunds by issue type and product, first-response time, for 30 or 90 days and per week.
 * The queries live in src/insights; this is the HTTP shape. Members of the merchant and
 * staff may see it, anyone else gets 404.
 */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { notFound } from '../../domain/errors.js';
import { CASE_STATUSES, CLOSED_STATUSES } from '../../domain/model.js';
import { Insights as InsightsService, WINDOWS } from '../../insights/insights.js';
import { requirePerson, viewerOf } from '../auth.js';
import { IdParams } from '../schemas.js';
import { type FastifyZod, PERSON, type RouteModule } from '../kit.js';

const Count = z.number().int();
const Rate = z.number().nullable().describe('A fraction (0.01 = 1 %); null when there were no payments');
const Outcomes = z.object(
  Object.fromEntries(CLOSED_STATUSES.map((s) => [s, Count])) as Record<(typeof CLOSED_STATUSES)[number], typeof Count>,
);
const Refunded = z.record(z.string(), Count).describe('Minor units refunded to customers (executed), by currency');
const Group = z.object({ key: z.string(), cases: Count, outcomes: Outcomes, refunded: Refunded });
const Window = z.enum(Object.keys(WINDOWS) as [keyof typeof WINDOWS, ...(keyof typeof WINDOWS)[]]);

export const Insights = z.object({
  merchant: z.object({ id: z.string(), name: z.string() }),
  window: Window,
  from: z.string(),
  to: z.string(),
  openCases: Count,
  awaitingMerchant: Count,
  cases: Count.describe('Cases opened in the window'),
  payments: Count.describe('Payments paid in the window'),
  chargebacks: Count.describe('Bank disputes at the chargeback stage or later, first reported in the window'),
  inquiriesPrevented: Count.describe('Inquiries and early warnings in the window that were refunded or prevented'),
  disputeRate: Rate,
  chargebackRate: Rate,
  thresholds: z.object({ visa: z.number(), mastercard: z.number() }),
  byStatus: z.object(Object.fromEntries(CASE_STATUSES.map((s) => [s, Count])) as Record<(typeof CASE_STATUSES)[number], typeof Count>),
  outcomes: Outcomes,
  refunded: Refunded,
  /** Median time from opening to the merchant's first action, over the window's cases the merchant answered. */
  medianFirstResponseMs: z.number().nullable(),
  answeredCases: Count,
  byIssueType: z.array(Group),
  byProduct: z.array(Group).describe('The 20 products with the most cases'),
  /** The window in Monday-to-Monday weeks (UTC), oldest first; the first and last cut to the window. */
  weekly: z.array(
    z.object({
      weekStart: z.string(),
      weekEnd: z.string(),
      opened: Count,
      payments: Count,
      chargebacks: Count,
      disputeRate: Rate,
      chargebackRate: Rate,
    }),
  ),
});

export const insightsRoutes: RouteModule = (app: FastifyZod, s: Services) => {
  const insights = new InsightsService(s.db);
  app.get('/api/v1/merchants/:id/insights', {
    preHandler: requirePerson,
    schema: {
      tags: ['merchant'],
      security: PERSON,
      summary: 'A merchant’s dispute and chargeback rates, outcomes and refunds by issue type and product, per window and week',
      params: IdParams,
      querystring: z.object({ window: Window.default('30d') }),
      response: { 200: Insights },
    },
    handler: async (req) => {
      const viewer = viewerOf(req);
      const id = req.params.id;
      const merchant = await s.db.selectFrom('merchants').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
      if (!merchant || (!viewer.isStaff && !viewer.merchantIds.includes(id))) throw notFound('merchant');
      return insights.merchant(merchant, req.query.window, s.clock.now().getTime());
    },
  });
};
