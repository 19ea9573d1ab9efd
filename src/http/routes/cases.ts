/** Cases, actions and the review queue (SPEC §4, §9). */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { requirePerson, requireStaff, viewerOf } from '../auth.js';
import { type FastifyZod, PERSON } from '../kit.js';
import { ActionBody, ActionQuery, CaseListQuery, CaseParams, CaseView, OpenCaseBody, Page, QueueItem, QueueQuery } from '../schemas.js';

export function caseRoutes(app: FastifyZod, s: Services) {
  const tags = ['cases'];
  const security = PERSON;
  const perUser = (max: number) => ({
    rateLimit: {
      max,
      timeWindow: '1 minute',
      keyGenerator: (req: { viewer: { userId: string } | null; ip: string }) => req.viewer?.userId ?? req.ip,
    },
  });

  app.post('/api/v1/cases', {
    preHandler: requirePerson,
    config: perUser(s.config.rateLimits.openCase),
    schema: { tags, security, summary: 'Open a case on one of my payments', body: OpenCaseBody, response: { 201: CaseView } },
    handler: async (req, reply) => {
      const viewer = viewerOf(req);
      const change = await s.cases.open(viewer, req.body);
      return reply.code(201).send(await s.queries.afterChange(viewer, change, s.clock.now()));
    },
  });

  app.get('/api/v1/cases', {
    preHandler: requirePerson,
    schema: {
      tags,
      security,
      summary: 'The cases I may see, newest first (lists omit the timeline)',
      querystring: CaseListQuery,
      response: { 200: Page(CaseView) },
    },
    handler: async (req) => s.queries.list(viewerOf(req), req.query, s.clock.now()),
  });

  app.get('/api/v1/cases/:id', {
    preHandler: requirePerson,
    schema: { tags, security, summary: 'A case with the timeline I may see', params: CaseParams, response: { 200: CaseView } },
    handler: async (req) => s.queries.get(viewerOf(req), req.params.id, s.clock.now()),
  });

  app.post('/api/v1/cases/:id/actions', {
    preHandler: requirePerson,
    config: perUser(s.config.rateLimits.actions),
    schema: {
      tags,
      security,
      summary: 'Act on a case (SPEC §4)',
      description:
        'Answers the case as it is after the action. With `timelineAfter`, its timeline holds only the events after that seq (the caller has the rest), so the answer does not grow with the case’s history.',
      params: CaseParams,
      querystring: ActionQuery,
      body: ActionBody,
      response: { 200: CaseView },
    },
    handler: async (req) => {
      const viewer = viewerOf(req);
      const change = await s.cases.act(viewer, req.params.id, req.body);
      const now = s.clock.now();
      const after = req.query.timelineAfter;
      return change ? s.queries.afterChange(viewer, change, now, after) : s.queries.get(viewer, req.params.id, now, after);
    },
  });

  app.get('/api/v1/review-queue', {
    preHandler: requireStaff,
    schema: {
      tags: ['staff'],
      security,
      summary: 'Cases awaiting staff, oldest escalation first, then failed remedies',
      querystring: QueueQuery,
      response: { 200: z.object({ data: z.array(QueueItem), nextCursor: z.string().nullable() }) },
    },
    handler: async (req) =>
      s.reviewQueue.list(viewerOf(req), s.clock.now(), req.query.limit, req.query.cursor, req.query.reason, req.query.assignee),
  });
}
