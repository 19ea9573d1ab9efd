/**
 * zod schemas for every request and response: they validate requests, check
 * responses in tests, and generate the OpenAPI document. The web app imports
 * the inferred types from here.
 */
import { DISPUTE_SOURCES, DISPUTE_STAGES, DISPUTE_STATUSES } from '../domain/dispute.js';
import { z } from 'zod';
import { ERROR_CODES } from '../domain/errors.js';
import {
  CASE_STATUSES,
  DECISION_OUTCOMES,
  EVENT_TYPES,
  ISSUE_TYPES,
  PAYMENT_STATUSES,
  PEOPLE_ACTIONS,
  PROVIDERS,
} from '../domain/model.js';
import { REVIEW_REASONS } from '../domain/review.js';
import { addDuration, parseDuration } from '../domain/time.js';
import { ACTIONS, MAX_ATTACHMENTS } from '../domain/case-actions.js';
import type { PeopleActionType } from '../domain/model.js';

/** The platform's own ids (SPEC §9). */
export const PlatformId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Must match [A-Za-z0-9_-]{1,64}');
export const ServiceId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_-]{1,64}$`), `Must be a ${prefix}_… id`);
export const CaseId = ServiceId('case');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'Must be an ISO 4217 code such as USD');
export const MinorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const Positive = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const IsoTime = z.iso.datetime({ offset: true });
export const Message = z.string().trim().min(1).max(5000);
export const Email = z.email().max(254);
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'Must be an IANA time zone such as Europe/Paris');
const UploadId = ServiceId('upl');
/**
 * The server reads up to 20 ids and refuses more than 3 with its own code (`too_many_files`);
 * the document states the limit that holds: 3.
 */
export const AttachmentIds = z.array(UploadId).max(20).default([]).meta({ maxItems: MAX_ATTACHMENTS });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    code: z
      .enum(ERROR_CODES)
      .meta({ description: 'A stable code; the API description’s “Error codes” table gives its status and meaning' }),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({
    id: 'Problem',
    description: 'Every error: application/problem+json with a stable `code`',
    examples: [
      {
        type: 'https://resolution-center.dev/problems/validation_failed',
        title: 'Bad request',
        status: 400,
        code: 'validation_failed',
        detail: 'The request is not valid.',
        errors: [{ path: 'description', message: 'Too small: expected string to have >=10 characters' }],
      },
    ],
  });

export const IdParams = z.object({ id: PlatformId });
export const CaseParams = z.object({ id: CaseId });

export const UserBody = z
  .object({
    email: Email,
    name: z.string().trim().min(1).max(200),
    password: z.string().min(8).max(200).optional(),
    isStaff: z.boolean().optional(),
    timeZone: TimeZone.optional(),
    disabled: z.boolean().optional().describe('true: logins are refused and every session ends; false: enabled again'),
  })
  .meta({ id: 'UserBody', examples: [{ email: 'cora@example.com', name: 'Cora Customer', timeZone: 'Europe/Paris' }] });

export const PlatformUser = z
  .object({
    id: z.string(),
    email: z.string().nullable().describe('null once erased'),
    name: z.string(),
    isStaff: z.boolean(),
    timeZone: z.string(),
    disabled: z.boolean(),
    hasPassword: z.boolean(),
    erasedAt: z.string().nullable(),
    merchantIds: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PlatformUser' });

export const MerchantBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    supportEmail: Email,
    memberIds: z.array(PlatformId).max(1000),
  })
  .meta({ id: 'MerchantBody', examples: [{ name: 'Shop One', supportEmail: 'support@shop.example', memberIds: ['merch_1'] }] });

export const PaymentBody = z.object({
  customerId: PlatformId,
  merchantId: PlatformId,
  amount: Positive,
  currency: Currency,
  provider: z.enum(PROVIDERS),
  providerPaymentId: z.string().min(1).max(255),
  status: z.enum(PAYMENT_STATUSES),
  refundedAmount: MinorUnits.optional(),
  productName: z.string().trim().min(1).max(300),
  paidAt: IsoTime,
});

/** The answer to a chargeback prepared from the case (SPEC §13): staged, asked to be sent, sent. */
export const DisputeEvidence = z.object({
  staged: z.object({ stagedAt: z.string(), fields: z.record(z.string(), z.string()) }).nullable(),
  submitRequestedAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  failure: z.string().nullable(),
});

export const DisputeView = z.object({
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
  /** The chargeback answer: the merchant's members, staff and the platform; null for the customer. */
  evidence: DisputeEvidence.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A payment as the platform reads it back (SPEC §11), with what this service did to it. */
/** The payment body as documented (PaymentBody itself is extended below, so it stays unnamed). */
export const PaymentBodyDoc = PaymentBody.meta({
  id: 'PaymentBody',
  examples: [
    {
      customerId: 'cust_1',
      merchantId: 'shop_1',
      amount: 4900,
      currency: 'USD',
      provider: 'stripe',
      providerPaymentId: 'pi_3N…',
      status: 'succeeded',
      productName: 'Course: Watercolour basics',
      paidAt: '2026-03-01T10:00:00Z',
    },
  ],
});

export const PlatformPayment = PaymentBody.extend({
  id: z.string(),
  refundedAmount: z.number().int(),
  creditedAmount: z.number().int(),
  /** amount − refundedAmount − creditedAmount: the most any further refund or credit may be. */
  remaining: z.number().int(),
  overRefunded: z.boolean(),
  caseId: z.string().nullable(),
  disputes: z.array(DisputeView),
}).meta({ id: 'PlatformPayment' });

const HOUR_MS = 60 * 60 * 1000;
const EPOCH = new Date(0);
/** An ISO 8601 duration's length from a fixed instant (login-link lifetimes are hours at most). */
export const durationMs = (d: string) => addDuration(EPOCH, parseDuration(d)).getTime();
/** Whether `d` is a duration within (0, max]: false, not an error, for text that is none (refinements run after a failed regex too). */
export const durationWithin = (d: string, maxMs: number, allowZero = false) => {
  try {
    const ms = durationMs(d);
    return (allowZero ? ms >= 0 : ms > 0) && ms <= maxMs;
  } catch {
    return false;
  }
};

/** A path of this service (SPEC §14): one leading `/`, no `//`, no backslash, no scheme, no control characters. */
export const ReturnTo = z
  .string()
  .max(2000)
  .refine(
    (p) =>
      p.startsWith('/') &&
      !p.includes('//') &&
      !p.includes('\\') &&
      ![...p].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) &&
      !/^\/[^/?#]*:/.test(p),
    'Must be a path of this service, such as /cases/case_123',
  );

export const LoginLinkBody = z
  .object({
    userId: PlatformId,
    returnTo: ReturnTo.optional().describe('where the link lands after signing in (default: the app’s home)'),
    ttl: z
      .string()
      .regex(/^PT(?=\d)(\d+H)?(\d+M)?(\d+S)?$/, 'Must be an ISO 8601 duration such as PT15M')
      .refine((d) => durationWithin(d, HOUR_MS), 'At most PT1H')
      .default('PT15M')
      .describe('how long the link stays valid: at most PT1H'),
  })
  .meta({ id: 'LoginLinkBody', examples: [{ userId: 'cust_1', returnTo: '/cases/case_123', ttl: 'PT15M' }] });
export const LoginLink = z.object({ token: z.string(), url: z.string(), expiresAt: z.string() }).meta({ id: 'LoginLink' });

export const SessionBody = z.union([
  z.object({ email: Email, password: z.string().min(1).max(200) }).strict(),
  z.object({ loginToken: z.string().min(1).max(200) }).strict(),
]);

export const Me = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), isStaff: z.boolean(), timeZone: z.string() }),
    merchants: z.array(z.object({ id: z.string(), name: z.string() })),
    isStaff: z.boolean(),
  })
  .meta({ id: 'Me' });
export const SessionAnswer = z.object({ token: z.string(), expiresAt: z.string(), user: Me.shape.user });

export const OpenCaseBody = z
  .object({
    paymentId: PlatformId,
    issueType: z.enum(ISSUE_TYPES),
    description: z.string().trim().min(10).max(5000),
    attachmentIds: AttachmentIds,
  })
  .meta({
    id: 'OpenCaseBody',
    examples: [
      { paymentId: 'pay_1', issueType: 'item_not_received', description: 'The course never unlocked.', attachmentIds: ['upl_example1'] },
    ],
  });

/** One action's body: the fields its type takes, a message where the table (SPEC §4) requires one. */
function actionBody<T extends PeopleActionType>(type: T) {
  const rule = ACTIONS[type];
  return z.object({
    type: z.literal(type),
    message: rule.message === 'required' ? Message : Message.optional(),
    attachmentIds: AttachmentIds,
    expectedVersion: z.number().int().positive().optional().describe('refused with 409 conflict unless the case is at this version'),
  });
}
const ACTION_EXAMPLES: Partial<Record<PeopleActionType, object>> = {
  offer_partial_refund: { type: 'offer_partial_refund', amount: 2000, message: 'Half back, and you keep the course.', attachmentIds: [] },
  deny: { type: 'deny', message: 'The course was fully watched before the request.', attachmentIds: [] },
};
const named = <T extends z.ZodObject>(type: PeopleActionType, schema: T) =>
  schema.meta({
    id: `Action_${type}`,
    description: `The ${type} action (${ACTIONS[type].roles.join(', ')})`,
    ...(ACTION_EXAMPLES[type] ? { examples: [ACTION_EXAMPLES[type]] } : {}),
  });

/** Actions as a union discriminated by `type` (SPEC §14): a body a type does not take fails to type-check in a client. */
export const ActionBody = z
  .discriminatedUnion('type', [
    named(
      'offer_partial_refund',
      actionBody('offer_partial_refund').extend({ amount: Positive.describe('minor units, less than what is left') }),
    ),
    named(
      'decide',
      actionBody('decide').extend({
        outcome: z.enum(DECISION_OUTCOMES),
        amount: Positive.optional().describe('refund or credit: minor units; default what is left'),
      }),
    ),
    named(
      'assign',
      actionBody('assign').extend({
        assigneeId: PlatformId.nullable().describe('the staff member to hold the case, or null for nobody'),
      }),
    ),
    ...PEOPLE_ACTIONS.filter((t) => t !== 'offer_partial_refund' && t !== 'decide' && t !== 'assign').map((t) => named(t, actionBody(t))),
  ])
  .meta({ id: 'Action' });

const Attachment = z.object({ id: z.string(), filename: z.string(), contentType: z.string(), size: z.number(), sha256: z.string() });
const MoneyView = z.object({ amount: z.number(), currency: z.string() });
const OutcomeView = z.object({
  kind: z.enum(['refund', 'partial_refund', 'credit', 'none', 'refunded_elsewhere']),
  amount: z.number(),
  currency: z.string(),
  fundedBy: z.enum(['merchant', 'platform']).nullable(),
  execution: z.enum(['pending', 'succeeded', 'failed']).nullable(),
  /** The decided amount, when less could be executed because the rest was refunded elsewhere (SPEC §11). */
  plannedAmount: z.number().optional(),
});

export const EventView = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    type: z.enum(EVENT_TYPES),
    actor: z.object({
      kind: z.enum(['customer', 'merchant', 'staff', 'system']),
      id: z.string().nullable(),
      name: z.string(),
      /** Present when the platform acted for the person (`RC-On-Behalf-Of`). */
      via: z.literal('platform').optional(),
    }),
    message: z.string().nullable(),
    attachments: z.array(Attachment),
    data: z.record(z.string(), z.unknown()),
    visibility: z.enum(['public', 'staff']),
    createdAt: z.string(),
    /** SPEC §13: hex SHA-256 of the previous event's hash and this event's canonical JSON. */
    hash: z.string(),
  })
  .meta({ id: 'TimelineEvent' });

export const CaseView = z
  .object({
    id: z.string(),
    status: z.enum(CASE_STATUSES),
    issueType: z.enum(ISSUE_TYPES),
    description: z.string(),
    payment: z.object({
      id: z.string(),
      amount: z.number(),
      currency: z.string(),
      refundedAmount: z.number(),
      provider: z.string(),
      productName: z.string(),
      paidAt: z.string(),
    }),
    customer: z.object({ id: z.string(), name: z.string() }),
    merchant: z.object({ id: z.string(), name: z.string() }),
    dueAt: z.string().nullable(),
    turn: z.enum(['customer', 'merchant', 'staff']).nullable(),
    offer: MoneyView.nullable(),
    customerAppealed: z.boolean(),
    merchantAppealed: z.boolean(),
    appealDeadline: z.string().nullable(),
    inAppeal: z.boolean(),
    final: z.boolean(),
    outcome: OutcomeView.nullable(),
    role: z.enum(['customer', 'merchant', 'staff']).nullable(),
    availableActions: z.array(z.enum(PEOPLE_ACTIONS)),
    /** SPEC §16: the staff member holding the case; shown to staff (and the platform), null to the parties. */
    assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
    timeline: z.array(EventView).optional(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Case' });

export const Page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });
/** Every list's query; strict, like every querystring (the server makes each one strict: SPEC §14). */
export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export const CaseListQuery = PageQuery.extend({
  status: z.enum(CASE_STATUSES).optional(),
  role: z.enum(['customer', 'merchant', 'staff']).optional(),
  merchantId: PlatformId.optional(),
});

/** The platform's search (SPEC §14): `status` may repeat; times bound `createdAt` and `updatedAt`. */
export const PlatformCaseListQuery = PageQuery.extend({
  status: z.union([z.enum(CASE_STATUSES), z.array(z.enum(CASE_STATUSES)).max(CASE_STATUSES.length)]).optional(),
  state: z.enum(['open', 'closed']).optional(),
  customerId: PlatformId.optional(),
  merchantId: PlatformId.optional(),
  paymentId: PlatformId.optional(),
  createdAfter: IsoTime.optional().describe('inclusive'),
  createdBefore: IsoTime.optional().describe('exclusive'),
  updatedSince: IsoTime.optional().describe('inclusive'),
});

/** Orders come 100 to a page by default: the web app and most customers need one page. */
/** `POST /cases/{id}/actions?timelineAfter=<seq>`: only the events after the seq the caller already has. */
export const ActionQuery = z.object({ timelineAfter: z.coerce.number().int().min(0).max(2_147_483_647).optional() });

export const OrderListQuery = PageQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(100) });

export const ReviewReason = z.enum(REVIEW_REASONS);
export const QueueQuery = PageQuery.extend({
  reason: ReviewReason.optional(),
  assignee: PlatformId.optional().describe('SPEC §16: `me` (held by me), `none` (held by nobody), or a staff member’s id'),
});

export const QueueItem = CaseView.extend({
  queueReason: z.enum(['appeal', 'escalation', 'remedy_failed', 'over_refunded']),
  /** Why the case is with staff (null only if the event that sent it there cannot be read). */
  reviewReason: ReviewReason.nullable(),
  reviewSince: z.string().nullable(),
});

export const Order = z
  .object({
    id: z.string(),
    amount: z.number(),
    currency: z.string(),
    refundedAmount: z.number(),
    provider: z.string(),
    productName: z.string(),
    paidAt: z.string(),
    status: z.string(),
    merchant: z.object({ id: z.string(), name: z.string() }),
    eligibility: z.object({ eligible: z.boolean(), reason: z.string().nullable() }),
    caseId: z.string().nullable(),
  })
  .meta({ id: 'Order' });

export const Credits = z.object({
  balances: z.array(MoneyView),
  entries: z.array(z.object({ id: z.string(), caseId: z.string(), currency: z.string(), amount: z.number(), createdAt: z.string() })),
});

export const ClockBody = z.object({
  advance: z
    .string()
    .regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, 'Must be an ISO 8601 duration such as P7DT1H'),
});
