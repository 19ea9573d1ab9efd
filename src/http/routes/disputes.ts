/** Bank disputes (SPEC §12, §13): the platform's network alerts, lists, a dispute's actions (with a chargeback's answer), merchant settings. */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { readSettings, writeSettings, normalizeSettings } from '../../disputes/settings.js';
import { DISPUTE_STAGES, DISPUTE_STATUSES } from '../../domain/dispute.js';
import { forbidden, notFound } from '../../domain/errors.js';
import { requirePerson, requirePlatform, viewerOf } from '../auth.js';
import { type FastifyZod, type RouteModule, PERSON, PLATFORM } from '../kit.js';
import {
  CaseParams,
  Currency,
  DisputeView,
  IdParams,
  IsoTime,
  Message,
  Page,
  PageQuery,
  PlatformId,
  Positive,
  ServiceId,
} from '../schemas.js';
import { type Viewer, roleIn } from '../../cases/access.js';
import { EVIDENCE_TEXT_FIELDS, EVIDENCE_TEXT_LIMIT, type EvidenceTextField } from '../../disputes/evidence.js';

const DisputeParams = z.object({ id: ServiceId('dsp') });

export const AlertView = DisputeView.extend({
  caseId: z.string().nullable(),
  /** The dispute's own refund, when it made one (no open case): pending, succeeded, failed or nothing_left. */
  refund: z
    .object({
      state: z.enum(['pending', 'succeeded', 'failed', 'nothing_left']),
      amount: z.number().int(),
      refundId: z.string().nullable(),
    })
    .nullable(),
  /** The merchant's automatic rule that acted on it, if one did. */
  rule: z.string().nullable(),
  availableActions: z.array(z.enum(['refund', 'dismiss'])),
});

const DisputeListQuery = PageQuery.extend({
  paymentId: PlatformId.optional(),
  stage: z.enum(DISPUTE_STAGES).optional(),
  status: z.enum(DISPUTE_STATUSES).optional(),
});

const PlatformDisputeBody = z.object({
  paymentId: PlatformId,
  stage: z.enum(DISPUTE_STAGES),
  status: z.enum(DISPUTE_STATUSES).optional(),
  reason: z.string().trim().min(1).max(200).optional(),
  amount: Positive.optional(),
  currency: Currency.optional(),
  respondBy: IsoTime.optional(),
  network: z.string().trim().min(1).max(100).optional(),
  alertKind: z.string().trim().min(1).max(100).optional(),
});

const EvidenceTexts = z
  .object(
    Object.fromEntries(EVIDENCE_TEXT_FIELDS.map((f) => [f, z.string().max(EVIDENCE_TEXT_LIMIT).optional()])) as Record<
      EvidenceTextField,
      z.ZodOptional<z.ZodString>
    >,
  )
  .strict();
const DisputeActionBody = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['refund', 'dismiss']), message: Message.optional() }).strict(),
  /** SPEC §13: send the staged answer to a chargeback, with the merchant's edits of its texts. */
  z.object({ type: z.literal('submit_evidence'), fields: EvidenceTexts.optional() }).strict(),
]);

const Thresholds = z.record(Currency, Positive);
export const MerchantSettingsView = z.object({
  autoRefund: z.object({ card: Thresholds, paypal: Thresholds, message: z.string().nullable() }),
  alertAutoRefund: Thresholds,
});
const MerchantSettingsBody = z.object({
  autoRefund: z.object({ card: Thresholds.optional(), paypal: Thresholds.optional(), message: Message.nullable().optional() }).optional(),
  alertAutoRefund: Thresholds.optional(),
});

export const disputeRoutes: RouteModule = (app: FastifyZod, s: Services) => {
  const merchantFor = async (viewer: Viewer, id: string, write: boolean) => {
    const merchant = await s.db.selectFrom('merchants').select('id').where('id', '=', id).executeTakeFirst();
    const member = viewer.merchantIds.includes(id);
    if (!merchant || (!member && !viewer.isStaff)) throw notFound('merchant');
    if (write && !member) throw forbidden('Only members of the merchant change its settings.');
  };

  app.put('/api/v1/platform/disputes/:id', {
    preHandler: requirePlatform,
    schema: {
      tags: ['platform'],
      security: PLATFORM,
      summary:
        'Report a network alert (Ethoca, Verifi CDRN/RDR, TC40, SAFE) or a dispute: created or updated, idempotent; {id} is kept as externalId',
      params: IdParams,
      body: PlatformDisputeBody,
      response: { 200: DisputeView.extend({ caseId: z.string().nullable(), changed: z.boolean() }) },
    },
    handler: async (req) => {
      const { paymentId, ...report } = req.body;
      const r = await s.disputes.report(paymentId, 'platform', req.params.id, { ...report, reportedAt: s.clock.now().toISOString() });
      return { ...r.dispute, caseId: r.caseId, changed: r.changed };
    },
  });

  app.get('/api/v1/platform/disputes', {
    preHandler: requirePlatform,
    schema: {
      tags: ['platform'],
      security: PLATFORM,
      summary: 'Every dispute, newest first, by payment, stage and status',
      querystring: DisputeListQuery,
      response: { 200: Page(AlertView) },
    },
    handler: async (req) => s.disputes.list(null, req.query),
  });

  app.get('/api/v1/merchants/:id/disputes', {
    preHandler: requirePerson,
    schema: {
      tags: ['merchant'],
      security: PERSON,
      summary: 'A merchant’s bank disputes (inquiries, early warnings, chargebacks), newest first; members and staff',
      params: IdParams,
      querystring: DisputeListQuery,
      response: { 200: Page(AlertView) },
    },
    handler: async (req) => {
      await merchantFor(viewerOf(req), req.params.id, false);
      return s.disputes.list(req.params.id, req.query);
    },
  });

  app.get('/api/v1/disputes/:id', {
    preHandler: requirePerson,
    schema: { tags: ['merchant'], security: PERSON, summary: 'One bank dispute', params: DisputeParams, response: { 200: AlertView } },
    handler: async (req) => s.disputes.get(viewerOf(req), req.params.id),
  });

  app.post('/api/v1/disputes/:id/actions', {
    preHandler: requirePerson,
    schema: {
      tags: ['merchant'],
      security: PERSON,
      summary: 'Refund (the full remaining amount, once) or dismiss an inquiry or early warning; send a chargeback’s staged answer',
      description:
        '`submit_evidence` (members of the merchant): Stripe gets `POST /v1/disputes/{id}` with `submit=true`, PayPal ' +
        '`provide-evidence` with the case file, through the outbox. `409 evidence_not_staged` while it is being prepared, ' +
        '`409 action_not_allowed` the second time, `409 evidence_deadline_passed` after the bank’s `respondBy`.',
      params: DisputeParams,
      body: DisputeActionBody,
      response: { 200: AlertView },
    },
    handler: async (req) => {
      const viewer = viewerOf(req);
      if (req.body.type !== 'submit_evidence') return s.disputes.act(viewer, req.params.id, req.body);
      await s.chargebackEvidence.requestSubmission(viewer, req.params.id, req.body.fields ?? {});
      return s.disputes.get(viewer, req.params.id);
    },
  });

  app.get('/api/v1/cases/:id/disputes', {
    preHandler: requirePerson,
    schema: {
      tags: ['cases'],
      security: PERSON,
      summary:
        'What banks and providers said about the case’s payment (parties and staff; the chargeback answer only for the merchant and staff)',
      params: CaseParams,
      response: { 200: z.object({ data: z.array(DisputeView) }) },
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
      const all = await s.disputes.forPayment(c.payment_id);
      return { data: all.map((d) => (role === 'customer' ? { ...d, evidence: null } : d)) };
    },
  });

  app.get('/api/v1/merchants/:id/settings', {
    preHandler: requirePerson,
    schema: {
      tags: ['merchant'],
      security: PERSON,
      summary: 'A merchant’s auto-refund rules (members; staff read)',
      params: IdParams,
      response: { 200: MerchantSettingsView },
    },
    handler: async (req) => {
      await merchantFor(viewerOf(req), req.params.id, false);
      return readSettings(s.db, req.params.id);
    },
  });

  app.put('/api/v1/merchants/:id/settings', {
    preHandler: requirePerson,
    schema: {
      tags: ['merchant'],
      security: PERSON,
      summary: 'Set the auto-refund rules: thresholds per provider kind and currency in minor units (absent: off), strictly below',
      params: IdParams,
      body: MerchantSettingsBody,
      response: { 200: MerchantSettingsView },
    },
    handler: async (req) => {
      await merchantFor(viewerOf(req), req.params.id, true);
      const settings = normalizeSettings(req.body);
      await writeSettings(s.db, req.params.id, settings, s.clock.now());
      return settings;
    },
  });
};
