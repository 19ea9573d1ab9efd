/**
 * System evidence and the case file over HTTP (SPEC §13): the platform records evidence,
 * a case's parties and staff read it and download the case file.
 */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { buildCaseFile, caseFileData } from '../../casefile/casefile.js';
import { CHAIN_ALGORITHM } from '../../cases/chain.js';
import { EVIDENCE_TYPES, SystemEvidence } from '../../evidence/system.js';
import { requirePerson, requirePlatform, viewerOf } from '../auth.js';
import { CaseParams, CaseView, EventView, IsoTime, Page, PageQuery, PlatformId, Problem } from '../schemas.js';
import { type FastifyZod, PERSON, PLATFORM } from '../kit.js';

export const EvidenceBody = z.object({
  type: z.enum(EVIDENCE_TYPES),
  occurredAt: IsoTime,
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  deviceId: z.string().trim().min(1).max(200).optional(),
  userAgent: z.string().trim().min(1).max(1000).optional(),
  description: z.string().trim().min(1).max(500),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const Evidence = z.object({
  id: z.string(),
  paymentId: z.string(),
  type: z.enum(EVIDENCE_TYPES),
  occurredAt: z.string(),
  ip: z.string().nullable(),
  deviceId: z.string().nullable(),
  userAgent: z.string().nullable(),
  description: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});

export const CaseFile = z.object({
  case: CaseView.omit({ availableActions: true, role: true, timeline: true }),
  /** The events the reader may see; a staff-only event in a party's copy is its seq and hash alone. */
  timeline: z.array(z.union([EventView, z.object({ seq: z.number().int(), hash: z.string() }).strict()])),
  attachments: z.array(
    z.object({
      id: z.string(),
      eventSeq: z.number().int(),
      filename: z.string(),
      contentType: z.string(),
      size: z.number(),
      sha256: z.string(),
    }),
  ),
  evidence: z.array(Evidence),
  disputes: z.array(
    z.object({
      id: z.string(),
      paymentId: z.string(),
      source: z.string(),
      externalId: z.string(),
      stage: z.string(),
      status: z.string(),
      reason: z.string().nullable(),
      amount: z.number(),
      currency: z.string(),
      respondBy: z.string().nullable(),
      network: z.string().nullable(),
      alertKind: z.string().nullable(),
      actionable: z.boolean(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
  integrity: z.object({ algorithm: z.literal(CHAIN_ALGORITHM), finalHash: z.string() }),
});

const EvidenceParams = z.object({ id: PlatformId, evidenceId: PlatformId });

export function evidenceRoutes(app: FastifyZod, s: Services): void {
  const evidence = new SystemEvidence(s.db);

  app.put('/api/v1/platform/payments/:id/evidence/:evidenceId', {
    preHandler: requirePlatform,
    schema: {
      tags: ['platform'],
      security: PLATFORM,
      summary: 'Record system evidence of a payment’s delivery or use (append-only; the same content again is a no-op)',
      description:
        'At most 10,000 items per payment (`409 evidence_limit_reached`); the same id with other content is `409 conflict`. ' +
        '`data` is a JSON object of at most 4 KiB.',
      params: EvidenceParams,
      body: EvidenceBody,
      response: { 200: Evidence.extend({ created: z.boolean() }), 400: Problem, 404: Problem, 409: Problem },
    },
    handler: async (req) => evidence.put(req.params.id, req.params.evidenceId, req.body, s.clock.now()),
  });

  app.get('/api/v1/cases/:id/evidence', {
    preHandler: requirePerson,
    schema: {
      tags: ['cases'],
      security: PERSON,
      summary: 'The system evidence held for the case’s payment, by occurredAt then arrival (parties and staff)',
      params: CaseParams,
      querystring: PageQuery,
      response: { 200: Page(Evidence), 404: Problem },
    },
    handler: async (req) => evidence.forCase(viewerOf(req), req.params.id, req.query.limit, req.query.cursor),
  });

  app.get('/api/v1/cases/:id/file.json', {
    preHandler: requirePerson,
    schema: {
      tags: ['cases'],
      security: PERSON,
      summary: 'The case file as JSON (parties and staff; staff’s copy includes internal notes)',
      params: CaseParams,
      response: { 200: CaseFile, 404: Problem },
    },
    handler: async (req) => caseFileData(s, req.params.id, viewerOf(req)),
  });

  app.get('/api/v1/cases/:id/file.pdf', {
    preHandler: requirePerson,
    schema: {
      tags: ['cases'],
      security: PERSON,
      summary: 'The case file as a PDF (parties and staff): summary, payment, timeline, attachments, evidence, disputes, integrity page',
      params: CaseParams,
      produces: ['application/pdf'],
    },
    handler: async (req, reply) => {
      const pdf = await buildCaseFile(s, req.params.id, viewerOf(req));
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="case-file-${req.params.id}.pdf"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  });
}
