/** The marketplace's server-to-server API (SPEC §9, platform rows). */
import { z } from 'zod';
import { type FastifyZod, PLATFORM } from '../kit.js';
import { requirePlatform } from '../auth.js';
import {
  CaseParams,
  CaseView,
  ClockBody,
  IdParams,
  LoginLink,
  LoginLinkBody,
  PlatformUser,
  durationMs,
  MerchantBody,
  Page,
  PaymentBodyDoc,
  PlatformCaseListQuery,
  PlatformPayment,
  UserBody,
} from '../schemas.js';
import { DomainError } from '../../domain/errors.js';
import { advanceClock } from './dev.js';
import type { Services } from '../../services.js';

const Upserted = z.object({ id: z.string(), created: z.boolean() });

export function platformRoutes(app: FastifyZod, s: Services) {
  const tags = ['platform'];
  const security = PLATFORM;
  const base = { preHandler: requirePlatform };

  app.put('/api/v1/platform/users/:id', {
    ...base,
    schema: { tags, security, summary: 'Create or update a user', params: IdParams, body: UserBody, response: { 200: Upserted } },
    handler: async (req) => ({ id: req.params.id, ...(await s.platform.putUser(req.params.id, req.body)) }),
  });

  app.get('/api/v1/platform/users/:id', {
    ...base,
    schema: { tags, security, summary: 'A synced user as stored (never the password)', params: IdParams, response: { 200: PlatformUser } },
    handler: async (req) => s.platform.getUser(req.params.id),
  });

  app.delete('/api/v1/platform/users/:id', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'Erase a user: "Deleted user", email and password removed, sessions ended; cases and money records stay',
      params: IdParams,
      response: { 204: z.null() },
    },
    handler: async (req, reply) => {
      await s.platform.eraseUser(req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.put('/api/v1/platform/merchants/:id', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'Create or update a merchant and its members',
      params: IdParams,
      body: MerchantBody,
      response: { 200: Upserted },
    },
    handler: async (req) => ({ id: req.params.id, ...(await s.platform.putMerchant(req.params.id, req.body)) }),
  });

  app.put('/api/v1/platform/payments/:id', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'Create or update a payment; a change to refunded closes its open case',
      params: IdParams,
      body: PaymentBodyDoc,
      response: { 200: Upserted.extend({ caseId: z.string().nullable() }) },
    },
    handler: async (req) => ({ id: req.params.id, ...(await s.platform.putPayment(req.params.id, req.body)) }),
  });

  app.get('/api/v1/platform/payments/:id', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'A payment as stored: refunded and credited amounts, what is left, its case and its disputes',
      params: IdParams,
      response: { 200: PlatformPayment },
    },
    handler: async (req) => s.platform.getPayment(req.params.id),
  });

  app.post('/api/v1/platform/payments/:id/chargeback', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'Report a chargeback: recorded as a dispute, even without a case; closes the open case as chargeback_filed',
      params: IdParams,
      response: { 200: z.object({ caseId: z.string().nullable(), disputeId: z.string() }) },
    },
    handler: async (req) => s.platform.chargeback(req.params.id),
  });

  app.post('/api/v1/platform/login-links', {
    ...base,
    // The answer is a secret: never stored for replay (SPEC §15).
    config: { idempotency: 'ignored' },
    schema: {
      tags,
      security,
      summary: 'A one-use login link (valid `ttl`, default 15 minutes) that lands on `returnTo`',
      body: LoginLinkBody,
      response: { 201: LoginLink },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(await s.sessions.createLoginLink(req.body.userId, { ttlMs: durationMs(req.body.ttl), returnTo: req.body.returnTo })),
  });

  app.delete('/api/v1/platform/users/:id/sessions', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'End every session of a user at once, on every instance',
      params: IdParams,
      response: { 204: z.null() },
    },
    handler: async (req, reply) => {
      await s.sessions.endAll(req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/platform/cases', {
    ...base,
    schema: {
      tags,
      security,
      summary: 'Every case, newest first, filtered',
      querystring: PlatformCaseListQuery,
      response: { 200: Page(CaseView) },
    },
    handler: async (req) => s.queries.listForPlatform(req.query, s.clock.now()),
  });

  app.get('/api/v1/platform/cases/:id', {
    ...base,
    schema: { tags, security, summary: 'One case with its public timeline', params: CaseParams, response: { 200: CaseView } },
    handler: async (req) => s.queries.getForPlatform(req.params.id, s.clock.now()),
  });

  app.post('/api/v1/platform/dev/clock', {
    ...base,
    schema: {
      tags: ['development'],
      security,
      summary: 'Move the clock forward, then run everything due (only while the movable clock is on)',
      body: ClockBody,
      response: { 200: z.object({ now: z.string() }) },
    },
    handler: async (req) => advanceClock(s, req.body.advance),
  });

  app.get('/api/v1/platform/dev/clock', {
    ...base,
    schema: {
      tags: ['development'],
      security,
      summary: 'The service’s current time',
      response: { 200: z.object({ now: z.string(), movable: z.boolean() }) },
    },
    handler: async () => {
      if (!s.clock.movable) throw new DomainError('not_found', 'Not found.');
      return { now: s.clock.now().toISOString(), movable: true };
    },
  });
}
