/** The HTTP side of notifications: webhook endpoints and their log, the outbox, the dev mailbox. */
import { z } from 'zod';
import type { Services } from '../services.js';
import { DomainError } from '../domain/errors.js';
import { requirePerson, requirePlatform, viewerOf } from '../http/auth.js';
import { CASE_STATUSES } from '../domain/model.js';
import { CaseId, CaseView, DisputeView, IdParams, Page, PageQuery, Problem, durationMs, durationWithin } from '../http/schemas.js';
import { type FastifyZod, PERSON, PLATFORM, type RouteModule } from '../http/kit.js';
import { localMailboxOn, readMailbox } from './mail.js';
import { pageById } from '../db/paging.js';
import { checkWebhookUrl } from './webhook-url.js';
import { DELIVERY_STATUSES, MAX_OVERLAP_MS, WEBHOOK_EVENTS, WebhookEndpoints, listWebhookEvents } from './webhooks.js';

const EndpointBody = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  secret: z.string().min(16).max(200),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
  enabled: z.boolean().optional(),
});

const Endpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  enabled: z.boolean(),
  previousSecretExpiresAt: z.string().nullable().describe('until when the rotated-out secret still signs'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const EndpointView = Endpoint.extend({ created: z.boolean() });

const Overlap = z
  .string()
  .regex(/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, 'Must be an ISO 8601 duration of days and time, such as PT12H')
  .refine((d) => durationWithin(d, MAX_OVERLAP_MS, true), 'At most P1D');
const RotateBody = z.object({
  secret: z.string().min(16).max(200),
  overlap: Overlap.default('PT0S').describe('how long the old secret keeps signing beside the new one (at most P1D)'),
});

const EventsQuery = PageQuery.extend({
  after: z.string().max(100).optional().describe('an event id: the events after it'),
  type: z.enum(WEBHOOK_EVENTS).optional(),
});
/** A case event as the events API lists it and webhooks POST it (SPEC §14). */
export const WebhookEvent = z
  .object({
    id: z.string().describe('whevt_…: de-duplicate on it'),
    type: z.enum(['case.created', 'case.updated', 'case.decided', 'case.closed']),
    createdAt: z.string(),
    data: z.object({
      case: CaseView.describe('as GET /platform/cases/{id} shows it, without the timeline'),
      previous: z
        .object({ status: z.enum(CASE_STATUSES), version: z.number().int() })
        .nullable()
        .describe('the case before this change; null for case.created. Order by case.version'),
    }),
  })
  .meta({ id: 'CaseEvent' });
/** What a bank, network or provider said about a payment (SPEC §12), with the case id if any. */
export const DisputeEvent = z
  .object({
    id: z.string().describe('whevt_…: de-duplicate on it'),
    type: z.enum(['dispute.created', 'dispute.updated']),
    createdAt: z.string(),
    data: z.object({ dispute: DisputeView, caseId: z.string().nullable() }),
  })
  .meta({ id: 'DisputeEvent' });
export const PingEvent = z
  .object({ id: z.string(), type: z.literal('ping'), createdAt: z.string(), data: z.object({ endpointId: z.string() }) })
  .meta({ id: 'PingEvent' });

const DeliveryParams = z.object({ id: z.string().regex(/^\d{1,15}$/, 'A delivery id') });

const Delivery = z.object({
  id: z.string(),
  deliveryId: z
    .string()
    .nullable()
    .describe('the delivery this attempt belongs to: retried by POST /platform/webhook-deliveries/{id}/retry'),
  status: z.enum(DELIVERY_STATUSES),
  eventId: z.string(),
  eventType: z.enum([...WEBHOOK_EVENTS, 'ping']),
  caseId: z.string().nullable(),
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  createdAt: z.string(),
});

const OUTBOX_STATUSES = ['pending', 'done', 'dead'] as const;
const OutboxQuery = PageQuery.extend({ status: z.enum(OUTBOX_STATUSES).optional(), kind: z.string().max(50).optional() });
const OutboxItem = z.object({
  id: z.string(),
  kind: z.string(),
  caseId: z.string().nullable(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number().int(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  idempotencyKey: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const MailboxQuery = PageQuery.extend({ caseId: CaseId.optional() });
const PlatformMailboxQuery = MailboxQuery.extend({ to: z.string().max(254).optional() });
export const Mail = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  createdAt: z.string(),
  caseId: z.string().nullable(),
});

export const notificationRoutes: RouteModule = (app: FastifyZod, s: Services) => {
  const endpoints = new WebhookEndpoints(s.db, s.clock);
  const platform = { preHandler: requirePlatform };
  const tags = ['platform'];
  const mailboxOff = () => new DomainError('not_found', 'The local mailbox is off: mail goes out over SMTP.');

  app.put('/api/v1/platform/webhook-endpoints/:id', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Create or update a webhook endpoint: its URL, signing secret, events and whether it is enabled',
      params: IdParams,
      body: EndpointBody,
      response: { 200: EndpointView, 400: Problem },
    },
    handler: async (req) => {
      await checkWebhookUrl(req.body.url, s.config.production);
      return endpoints.put(req.params.id, req.body);
    },
  });

  app.get('/api/v1/platform/webhook-endpoints', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Every webhook endpoint, by id (secrets are never shown)',
      querystring: PageQuery,
      response: { 200: Page(Endpoint) },
    },
    handler: async (req) => endpoints.list(req.query.limit, req.query.cursor),
  });

  app.get('/api/v1/platform/webhook-endpoints/:id', {
    ...platform,
    schema: { tags, security: PLATFORM, summary: 'One webhook endpoint', params: IdParams, response: { 200: Endpoint, 404: Problem } },
    handler: async (req) => endpoints.get(req.params.id),
  });

  app.delete('/api/v1/platform/webhook-endpoints/:id', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Delete a webhook endpoint and its delivery log',
      params: IdParams,
      response: { 204: z.null(), 404: Problem },
    },
    handler: async (req, reply) => {
      await endpoints.delete(req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post('/api/v1/platform/webhook-endpoints/:id/rotate-secret', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'A new signing secret; during the overlap each delivery carries both signatures (new first)',
      params: IdParams,
      body: RotateBody,
      response: { 200: Endpoint, 404: Problem },
    },
    handler: async (req) => endpoints.rotateSecret(req.params.id, req.body.secret, durationMs(req.body.overlap)),
  });

  app.post('/api/v1/platform/webhook-endpoints/:id/test', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Queue a signed ping {id, type: "ping", createdAt, data: {endpointId}} to the endpoint',
      params: IdParams,
      response: { 202: z.object({ eventId: z.string(), deliveryId: z.string() }), 404: Problem },
    },
    handler: async (req, reply) => reply.code(202).send(await endpoints.test(req.params.id)),
  });

  app.post('/api/v1/platform/webhook-deliveries/:id/retry', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Queue a dead delivery again, with fresh attempts (409 delivery_not_dead otherwise)',
      params: DeliveryParams,
      response: { 202: z.object({ id: z.string(), status: z.literal('pending') }), 404: Problem, 409: Problem },
    },
    handler: async (req, reply) => reply.code(202).send(await endpoints.retry(req.params.id)),
  });

  app.get('/api/v1/platform/events', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Every webhook event of the last 30 days, oldest first, whether or not an endpoint took it',
      querystring: EventsQuery,
      response: { 200: Page(z.union([WebhookEvent, DisputeEvent])), 400: Problem },
    },
    handler: async (req) =>
      (await listWebhookEvents(s.db, s.clock.now(), { ...req.query, after: req.query.after ?? req.query.cursor })) as {
        data: (z.infer<typeof WebhookEvent> | z.infer<typeof DisputeEvent>)[];
        nextCursor: string | null;
      },
  });

  app.get('/api/v1/platform/webhook-endpoints/:id/deliveries', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'The endpoint’s delivery log, newest attempt first: status codes, errors, times',
      params: IdParams,
      querystring: PageQuery,
      response: { 200: Page(Delivery) },
    },
    handler: async (req) => endpoints.deliveries(req.params.id, req.query.limit, req.query.cursor),
  });

  app.get('/api/v1/platform/outbox', {
    ...platform,
    schema: {
      tags,
      security: PLATFORM,
      summary: 'Outbox rows (emails, webhooks, reminders, refunds), newest first; `status=dead` lists what gave up',
      querystring: OutboxQuery,
      response: { 200: Page(OutboxItem) },
    },
    handler: async (req) => {
      const { status, kind, limit, cursor } = req.query;
      return pageById(
        limit,
        cursor,
        (below, take) => {
          let q = s.db
            .selectFrom('outbox')
            .select(['id', 'kind', 'case_id', 'status', 'attempts', 'run_at', 'last_error', 'idempotency_key', 'created_at', 'updated_at']);
          if (status) q = q.where('status', '=', status);
          if (kind) q = q.where('kind', '=', kind);
          if (below !== null) q = q.where('id', '<', below);
          return q.orderBy('id', 'desc').limit(take).execute();
        },
        (r) => ({
          id: String(r.id),
          kind: r.kind,
          caseId: r.case_id,
          status: r.status as (typeof OUTBOX_STATUSES)[number],
          attempts: r.attempts,
          runAt: r.run_at,
          lastError: r.last_error,
          idempotencyKey: r.idempotency_key,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
        }),
      );
    },
  });

  app.get('/api/v1/platform/dev/mailbox', {
    ...platform,
    schema: {
      tags: ['development'],
      security: PLATFORM,
      summary: 'Every mail in the local mailbox, newest first (only while no SMTP_URL is set, never in production)',
      querystring: PlatformMailboxQuery,
      response: { 200: Page(Mail) },
    },
    handler: async (req) => {
      if (!localMailboxOn(s.config)) throw mailboxOff();
      const { to, ...rest } = req.query;
      return readMailbox(s.db, { ...rest, addresses: to ? [to.trim().toLowerCase()] : null });
    },
  });

  app.get('/api/v1/dev/mailbox', {
    preHandler: requirePerson,
    schema: {
      tags: ['development'],
      security: PERSON,
      summary: 'My mail in the local mailbox (staff: every mail), newest first (only while no SMTP_URL is set, never in production)',
      querystring: MailboxQuery,
      response: { 200: Page(Mail) },
    },
    handler: async (req) => {
      if (!localMailboxOn(s.config)) throw mailboxOff();
      const v = viewerOf(req);
      let addresses: string[] | null = null;
      if (!v.isStaff) {
        const support = v.merchantIds.length
          ? await s.db.selectFrom('merchants').select('support_email').where('id', 'in', v.merchantIds).execute()
          : [];
        addresses = [v.email, ...support.map((m) => m.support_email)];
      }
      return readMailbox(s.db, { ...req.query, addresses });
    },
  });
};
