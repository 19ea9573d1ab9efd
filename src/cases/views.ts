/**
 * The case and its events as the API returns them (SPEC §9): `caseView` builds a `CaseView`
 * from a joined case row, with the actions the viewer may take, and `eventView` an `EventView`
 * from a stored event. Every reader that answers with a case (queries.ts, review-queue.ts,
 * the case file, the webhook payloads) builds it here, so each view has one mapper.
 */
import type { z } from 'zod';
import { type AttachmentRef, turnOf } from '../domain/case.js';
import { availableActions } from '../domain/case-actions.js';
import type { ActorKind, EventType, IssueType, PartyRole, PeopleActionType } from '../domain/model.js';
import type { CaseEventRow, CaseRow, PaymentRow } from '../db/schema.js';
import type { CaseView as CaseViewSchema, EventView as EventViewSchema } from '../http/schemas.js';
import type { Viewer } from './access.js';
import { type CaseNames, type JoinedCase, joinedOf } from './case-rows.js';
import { parseState } from './service.js';

/** Views are the API's schemas (http/schemas.ts): the mappers below are checked against them. */
export type EventView = z.infer<typeof EventViewSchema>;
export type CaseView = z.infer<typeof CaseViewSchema>;

export function eventView(e: CaseEventRow): EventView {
  return {
    id: e.id,
    seq: e.seq,
    type: e.type as EventType,
    actor: {
      kind: e.actor_kind as ActorKind,
      id: e.actor_id,
      name: e.actor_name,
      ...(e.actor_via === 'platform' ? { via: 'platform' as const } : {}),
    },
    message: e.message,
    attachments: JSON.parse(e.attachments) as AttachmentRef[],
    data: JSON.parse(e.data) as Record<string, unknown>,
    visibility: e.visibility as 'public' | 'staff',
    createdAt: e.created_at,
    hash: e.hash,
  };
}

/** The case as SPEC §9 returns it; `role` null is the platform's view (no actions). */
export function caseView(c: JoinedCase, role: PartyRole | null, viewer: Viewer | null, now: Date, timeline?: EventView[]): CaseView {
  const s = parseState(c);
  const actions: PeopleActionType[] =
    role && viewer
      ? availableActions(s, {
          role,
          now,
          actor: { kind: role, id: viewer.userId, name: viewer.name },
          payment: { amount: c.p_amount, refundedAmount: c.p_refunded, credits: c.p_credited, currency: c.p_currency },
        })
      : [];
  return {
    id: c.id,
    status: s.status,
    issueType: c.issue_type as IssueType,
    description: c.description,
    payment: {
      id: c.payment_id,
      amount: c.p_amount,
      currency: c.p_currency,
      refundedAmount: c.p_refunded,
      provider: c.p_provider,
      productName: c.p_product,
      paidAt: c.p_paid_at,
    },
    customer: { id: c.customer_id, name: c.customer_name },
    merchant: { id: c.merchant_id, name: c.merchant_name },
    dueAt: s.dueAt,
    turn: turnOf(s.status),
    offer: s.offer,
    customerAppealed: s.customerAppealed,
    merchantAppealed: s.merchantAppealed,
    appealDeadline: s.final ? null : s.appealDeadline,
    inAppeal: s.inAppeal,
    final: s.final,
    outcome: s.outcome,
    role,
    availableActions: actions,
    assignee: role !== 'customer' && role !== 'merchant' && c.assignee_id ? { id: c.assignee_id, name: c.assignee_name ?? '' } : null,
    ...(timeline ? { timeline } : {}),
    version: c.version,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

/**
 * The platform's view of a case from rows the caller already holds (a change's own row and
 * payment): the webhook event of every change is built from them, without reading the case again.
 */
export function platformViewOf(row: CaseRow, payment: PaymentRow, names: CaseNames, now: Date): CaseView {
  return caseView(joinedOf(row, payment, names), null, null, now);
}
