/**
 * Tools for staff and merchants (SPEC §16): the customer's context beside a case (staff
 * only), and saved replies per merchant (its members and staff) and for staff.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Services } from '../../services.js';
import type { DB } from '../../db/schema.js';
import { notFound } from '../../domain/errors.js';
import { CASE_STATUSES } from '../../domain/model.js';
import { newId } from '../../ids.js';
import { caseContext } from '../../insights/context.js';
import { Insights } from '../../insights/insights.js';
import { requirePerson, requireStaff, viewerOf } from '../auth.js';
import { CaseParams, IdParams, PlatformId } from '../schemas.js';
import { type FastifyZod, PERSON, type RouteModule } from '../kit.js';

const Count = z.number().int();
const Rate = z.number().nullable();

export const CaseContext = z.object({
  customer: z.object({
    id: z.string(),
    name: z.string(),
    cases: z.object({ total: Count, won: Count, lost: Count, withdrawn: Count, chargebacks: Count, chargebacksAfterDenial: Count }),
    payments: z.object({ total: Count, withCases: Count }),
    recent: z.array(
      z.object({
        caseId: z.string(),
        merchant: z.object({ id: z.string(), name: z.string() }),
        status: z.enum(CASE_STATUSES),
        createdAt: z.string(),
      }),
    ),
  }),
  merchant: z.object({
    id: z.string(),
    name: z.string(),
    disputeRate: Rate.describe('Cases over payments, last 90 days (a fraction)'),
    chargebackRate: Rate.describe('Chargebacks over payments, last 90 days (a fraction)'),
    medianFirstResponseMs: z.number().nullable(),
    lostShare: Rate.describe('Of the cases closed in the last 90 days, the share the customer won'),
  }),
});

export const SavedReply = z.object({ id: z.string(), title: z.string(), body: z.string() });
const ReplyBody = z.object({ title: z.string().trim().min(1).max(200), body: z.string().trim().min(1).max(5000) });
const ReplyPatch = ReplyBody.partial().refine((b) => b.title !== undefined || b.body !== undefined, 'Give a title or a body');
const MerchantReplyParams = z.object({ id: PlatformId, replyId: PlatformId });
const StaffReplyParams = z.object({ replyId: PlatformId });

type Owner = string | null;

class SavedReplies {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly now: () => Date,
  ) {}

  private owned(owner: Owner) {
    const q = this.db.selectFrom('saved_replies').select(['id', 'title', 'body']);
    return owner === null ? q.where('merchant_id', 'is', null) : q.where('merchant_id', '=', owner);
  }

  list(owner: Owner) {
    return this.owned(owner).orderBy('title').orderBy('id').limit(500).execute();
  }

  async create(owner: Owner, userId: string, b: z.infer<typeof ReplyBody>) {
    const at = this.now().toISOString();
    const id = newId('rpl');
    await this.db
      .insertInto('saved_replies')
      .values({ id, merchant_id: owner, title: b.title, body: b.body, created_by: userId, created_at: at, updated_at: at })
      .execute();
    return { id, title: b.title, body: b.body };
  }

  async update(owner: Owner, id: string, b: z.infer<typeof ReplyPatch>) {
    const found = await this.owned(owner).where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound('saved reply');
    const next = { title: b.title ?? found.title, body: b.body ?? found.body };
    await this.db
      .updateTable('saved_replies')
      .set({ ...next, updated_at: this.now().toISOString() })
      .where('id', '=', id)
      .execute();
    return { id, ...next };
  }

  async remove(owner: Owner, id: string) {
    const found = await this.owned(owner).where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound('saved reply');
    await this.db.deleteFrom('saved_replies').where('id', '=', id).execute();
  }
}

export const toolsRoutes: RouteModule = (app: FastifyZod, s: Services) => {
  const insights = new Insights(s.db);
  const replies = new SavedReplies(s.db, () => s.clock.now());
  const security = PERSON;

  app.get('/api/v1/cases/:id/context', {
    preHandler: requireStaff,
    schema: {
      tags: ['staff'],
      security,
      summary: 'Who is this customer: their cases across every merchant, and the merchant’s record (staff only)',
      params: CaseParams,
      response: { 200: CaseContext },
    },
    handler: async (req) => caseContext(s.db, insights, req.params.id, s.clock.now().getTime()),
  });

  /** A merchant's replies: its members and staff; anyone else hears 404, as for insights. */
  const merchantOwner = async (req: Parameters<typeof viewerOf>[0], id: string) => {
    const viewer = viewerOf(req);
    const m = await s.db.selectFrom('merchants').select('id').where('id', '=', id).executeTakeFirst();
    if (!m || (!viewer.isStaff && !viewer.merchantIds.includes(id))) throw notFound('merchant');
    return { viewer, owner: id };
  };
  const tags = ['saved replies'];

  app.get('/api/v1/merchants/:id/saved-replies', {
    preHandler: requirePerson,
    schema: {
      tags,
      security,
      summary: 'A merchant’s saved replies',
      params: IdParams,
      response: { 200: z.object({ data: z.array(SavedReply) }) },
    },
    handler: async (req) => ({ data: await replies.list((await merchantOwner(req, req.params.id)).owner) }),
  });
  app.post('/api/v1/merchants/:id/saved-replies', {
    preHandler: requirePerson,
    schema: { tags, security, summary: 'Save a reply for a merchant', params: IdParams, body: ReplyBody, response: { 201: SavedReply } },
    handler: async (req, reply) => {
      const { viewer, owner } = await merchantOwner(req, req.params.id);
      return reply.code(201).send(await replies.create(owner, viewer.userId, req.body));
    },
  });
  app.patch('/api/v1/merchants/:id/saved-replies/:replyId', {
    preHandler: requirePerson,
    schema: {
      tags,
      security,
      summary: 'Change a merchant’s saved reply',
      params: MerchantReplyParams,
      body: ReplyPatch,
      response: { 200: SavedReply },
    },
    handler: async (req) => replies.update((await merchantOwner(req, req.params.id)).owner, req.params.replyId, req.body),
  });
  app.delete('/api/v1/merchants/:id/saved-replies/:replyId', {
    preHandler: requirePerson,
    schema: { tags, security, summary: 'Delete a merchant’s saved reply', params: MerchantReplyParams, response: { 204: z.null() } },
    handler: async (req, reply) => {
      await replies.remove((await merchantOwner(req, req.params.id)).owner, req.params.replyId);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/staff/saved-replies', {
    preHandler: requireStaff,
    schema: { tags, security, summary: 'Staff’s saved replies', response: { 200: z.object({ data: z.array(SavedReply) }) } },
    handler: async () => ({ data: await replies.list(null) }),
  });
  app.post('/api/v1/staff/saved-replies', {
    preHandler: requireStaff,
    schema: { tags, security, summary: 'Save a reply for staff', body: ReplyBody, response: { 201: SavedReply } },
    handler: async (req, reply) => reply.code(201).send(await replies.create(null, viewerOf(req).userId, req.body)),
  });
  app.patch('/api/v1/staff/saved-replies/:replyId', {
    preHandler: requireStaff,
    schema: {
      tags,
      security,
      summary: 'Change a staff saved reply',
      params: StaffReplyParams,
      body: ReplyPatch,
      response: { 200: SavedReply },
    },
    handler: async (req) => replies.update(null, req.params.replyId, req.body),
  });
  app.delete('/api/v1/staff/saved-replies/:replyId', {
    preHandler: requireStaff,
    schema: { tags, security, summary: 'Delete a staff saved reply', params: StaffReplyParams, response: { 204: z.null() } },
    handler: async (req, reply) => {
      await replies.remove(null, req.params.replyId);
      return reply.code(204).send(null);
    },
  });
};
