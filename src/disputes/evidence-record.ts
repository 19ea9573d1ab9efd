/**
 * A dispute's chargeback response as its row records it (the `evidence` column) and the
 * outbox step that stages it: what recording a chargeback needs, apart from composing the
 * response from the case file (evidence.ts).
 */
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { enqueue } from '../outbox/outbox.js';

export interface DisputeEvidence {
  staged: { stagedAt: string; fields: Record<string, string> } | null;
  submitRequestedAt: string | null;
  submittedAt: string | null;
  /** Why the last provider call gave up, for the merchant to see. */
  failure: string | null;
}

export const STAGE = 'stage';
export const SUBMIT = 'submit';
export interface EvidencePayload {
  disputeId: string;
  step: typeof STAGE | typeof SUBMIT;
}

export function parseEvidence(json: string | null): DisputeEvidence | null {
  return json ? (JSON.parse(json) as DisputeEvidence) : null;
}

/** Provider disputes whose chargeback has a case get a response prepared; a platform-reported one has nowhere to send it. */
export function stagesEvidence(source: string): boolean {
  return source === 'stripe' || source === 'paypal';
}

/** Written in the transaction that records the chargeback. */
export function enqueueStaging(trx: Transaction<DB>, now: Date, disputeId: string): Promise<void> {
  const payload: EvidencePayload = { disputeId, step: STAGE };
  return enqueue(trx, now, [{ kind: 'dispute_evidence', payload, idempotencyKey: `rc-evidence-stage-${disputeId}` }]);
}
