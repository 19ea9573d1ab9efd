/**
 * A payment's disputes as the case's people see them, and the merchant's chargeback
 * response (SPEC §13): what was staged at the provider, and the word to send it.
 */
import { z } from 'zod';
import type { Services } from '../../app.js';
import { roleIn } from '../../cases/access.js';
import { type DisputeView, disputeView } from '../../disputes/disputes.js';
import { EVIDENCE_TEXT_FIELDS, EVIDENCE_TEXT_LIMIT } from '../../disputes/evidence.js';
import { DISPUTE_SOURCES, DISPUTE_STAGES, DISPUTE_STATUSES } from '../../domain/dispute.js';
import { notFound } from '../../domain/errors.js';
import { requirePerson, viewerOf } from '../auth.js';
import { CaseParams, Problem } from '../schemas.js';
import { type FastifyZod, PERSON } from '../server.js';

const Evidence = z.object({
  staged: z.object({ stagedAt: z.string(), fields: z.record(z.string(), z.string()) }).nullable(),
  submitRequestedAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  failure: z.string().nullable(),
});

export const Dispute = z.object({
  id: z.string(),
  paymentId: z.string(),
  source: z.enum(DISPUTE_SOURCES),
  externalId: z.string(),
  stage: z.enum(DISPUTE_STAGES),
  status: z.enum(DISPUTE_STATUSES),
  reason: z.string().nullable(),
  amount: z.number().int(),
  currency: z.string(),
  respondBy: z.string().nullable(),
  network: z.string().nullable(),
  alertKind: z.string().nullable(),
  actionable: z.boolean(),
  /** The chargeback response prepared from the case: the merchant's members and staff only. */
  evidence: Evidence.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const texts = Object.fromEntries(EVIDENCE_TEXT_FIELDS.map((f) => [f, z.string().max(EVIDENCE_TEXT_LIMIT).optional()])) as Record<
  (typeof EVIDENCE_TEXT_FIELDS)[number],
  z.ZodOptional<z.ZodString>
>;
const SubmitEvidence = z.object({ type: z.literal('submit_evidence'), fields: z.object(texts).strict().optional() }).strict();
const DisputeParams = z.object({ id: z.string().min(1).max(100) });

export function chargebackEvidenceRoutes(app: FastifyZod, s: Services): void {
  app.get('/api/v1/cases/:id/disputes', {
    preHandler: requirePerson,
    schema: {
      tags: ['cases'],
      security: PERSON,
      summary: 'What banks and providers said about the case’s payment (parties and staff; the response only for the merchant and staff)',
      params: CaseParams,
      response: { 200: z.object({ data: z.array(Dispute) }), 404: Problem },
    },
    handler: async (req) => {
      const viewer = viewerOf(req);
      const c = await s.db
        .selectFrom('cases')
        .select(['payment_id', 'customer_id', 'merchant_id'])
        .where('id', '=', req.params.id)
        .executeTakeFirst();
      const role = c ? roleIn(viewer, c) : null;
      if (!c || !role) throw notFound('case');
      const all: DisputeView[] = await s.disputes.forPayment(c.payment_id);
      return { data: all.map((d) => (role === 'customer' ? { ...d, evidence: null } : d)) };
    },
  });

  app.get('/api/v1/disputes/:id', {
    preHandler: requirePerson,
    schema: {
      tags: ['disputes'],
      security: PERSON,
      summary: 'One dispute with its chargeback response (members of the merchant, staff)',
      params: DisputeParams,
      response: { 200: Dispute, 404: Problem },
    },
    handler: async (req) => disputeView(await s.chargebackEvidence.visible(viewerOf(req), req.params.id)),
  });

  app.post('/api/v1/disputes/:id/actions', {
    preHandler: requirePerson,
    schema: {
      tags: ['disputes'],
      security: PERSON,
      summary: 'Send the staged chargeback response to the bank, with the merchant’s edits (members of the merchant; once)',
      description:
        '`submit_evidence`: Stripe gets `POST /v1/disputes/{id}` with `submit=true`, PayPal `provide-evidence` with the case file, ' +
        'through the outbox. `409 evidence_not_staged` while it is being prepared, `409 action_not_allowed` the second time, ' +
        '`409 evidence_deadline_passed` after the bank’s `respondBy`.',
      params: DisputeParams,
      body: SubmitEvidence,
      response: { 200: Dispute, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    },
    handler: async (req) => disputeView(await s.chargebackEvidence.requestSubmission(viewerOf(req), req.params.id, req.body.fields ?? {})),
  });
}
