/**
 * Why a case is with staff (the review queue's `reviewReason`): read off the one event that
 * moved it into `under_platform_review`, or the failed remedy of a closed case.
 */
import type { ActorKind, CaseStatus, EventType } from './model.js';

/** Each way into staff review: the event type and who caused it (SPEC §3, §4). */
export const REVIEW_ENTRIES = {
  /** The merchant did not answer the case in time (the sweeper escalated it). */
  merchant_unresponsive: { type: 'escalated', actor: 'system' },
  /** The customer asked the platform to decide after a denial or an offer. */
  customer_request: { type: 'escalated', actor: 'customer' },
  /** Staff asked the merchant for information and the merchant's deadline passed. */
  merchant_info_unanswered: { type: 'deadline_passed', actor: 'system' },
  /** Staff asked the customer for information and the customer answered. */
  customer_info_provided: { type: 'responded', actor: 'customer' },
  /** Staff asked the merchant for information and the merchant answered. */
  merchant_info_provided: { type: 'responded', actor: 'merchant' },
  customer_appeal: { type: 'appealed', actor: 'customer' },
  merchant_appeal: { type: 'appealed', actor: 'merchant' },
} as const satisfies Record<string, { type: EventType; actor: ActorKind }>;

export type ReviewEntry = keyof typeof REVIEW_ENTRIES;
/**
 * Beside the ways into review, two kinds of closed case wait for staff: a remedy that failed
 * at the provider, and a payment refunded and credited beyond its amount (SPEC §11: money
 * moved outside, after a credit here, is recorded and flagged, never silently capped).
 */
export const REVIEW_REASONS = [...(Object.keys(REVIEW_ENTRIES) as ReviewEntry[]), 'remedy_failed', 'over_refunded'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** The event types that can move a case into staff review. */
export const REVIEW_ENTRY_TYPES = [...new Set(Object.values(REVIEW_ENTRIES).map((e) => e.type))];

/** Why an event put the case with staff, or null when it did not move the case there. */
export function reviewEntryOf(e: { type: string; actorKind: string; status: CaseStatus | undefined }): ReviewEntry | null {
  if (e.status !== 'under_platform_review') return null;
  for (const [reason, entry] of Object.entries(REVIEW_ENTRIES) as [ReviewEntry, { type: EventType; actor: ActorKind }][])
    if (entry.type === e.type && entry.actor === e.actorKind) return reason;
  return null;
}
