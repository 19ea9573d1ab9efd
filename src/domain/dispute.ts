/**
 * Bank disputes (SPEC §12), pure: what a card network, bank or provider says about a
 * payment, and how a new report folds into what is already known. Reports arrive at
 * least once and out of order, so folding is idempotent and never goes back: an older
 * report changes nothing, a stage never returns to an earlier one, and a final status
 * never reopens.
 */

export const DISPUTE_STAGES = ['inquiry', 'early_warning', 'chargeback', 'pre_arbitration', 'arbitration'] as const;
export type DisputeStage = (typeof DISPUTE_STAGES)[number];

export const DISPUTE_STATUSES = ['open', 'refunded', 'won', 'lost', 'prevented', 'closed'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_SOURCES = ['stripe', 'paypal', 'platform'] as const;
export type DisputeSource = (typeof DISPUTE_SOURCES)[number];

/** Inquiries and early warnings come before any money moves; each later stage is a step further at the bank. */
const STAGE_RANK: Record<DisputeStage, number> = { inquiry: 0, early_warning: 0, chargeback: 1, pre_arbitration: 2, arbitration: 3 };

export const CHARGEBACK_STAGES: readonly DisputeStage[] = DISPUTE_STAGES.filter((s) => STAGE_RANK[s] >= STAGE_RANK.chargeback);

const FINAL_STATUSES: readonly DisputeStatus[] = ['won', 'lost', 'prevented', 'closed'];

/** The bank has taken (or is taking) the money back: the case is the bank's now. */
export function isChargebackStage(stage: DisputeStage): boolean {
  return STAGE_RANK[stage] >= STAGE_RANK.chargeback;
}

export function isFinalStatus(status: DisputeStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export interface DisputeFacts {
  stage: DisputeStage;
  status: DisputeStatus;
  reason: string | null;
  amount: number;
  currency: string;
  respondBy: string | null;
  network: string | null;
  alertKind: string | null;
  actionable: boolean;
  /** The source's own time of the latest report folded in. */
  reportedAt: string;
}

/** One report from a source; absent fields keep what is known. */
export interface DisputeReport {
  stage: DisputeStage;
  status?: DisputeStatus | undefined;
  reason?: string | null | undefined;
  amount: number;
  currency: string;
  respondBy?: string | null | undefined;
  network?: string | null | undefined;
  alertKind?: string | null | undefined;
  actionable?: boolean | undefined;
  reportedAt: string;
}

/** The dispute after `report`, or null when the report changes nothing (a repeat, an older one, a closed dispute). */
export function foldReport(current: DisputeFacts | null, report: DisputeReport): DisputeFacts | null {
  if (!current)
    return {
      stage: report.stage,
      status: report.status ?? 'open',
      reason: report.reason ?? null,
      amount: report.amount,
      currency: report.currency,
      respondBy: report.respondBy ?? null,
      network: report.network ?? null,
      alertKind: report.alertKind ?? null,
      actionable: report.actionable ?? false,
      reportedAt: report.reportedAt,
    };
  if (report.reportedAt < current.reportedAt || isFinalStatus(current.status)) return null;
  const next: DisputeFacts = {
    stage: STAGE_RANK[report.stage] < STAGE_RANK[current.stage] ? current.stage : report.stage,
    // A refund made here stays "refunded" until the source says how the dispute ended (won, lost,
    // prevented); the bank closing an inquiry because it was refunded is not a new outcome.
    status:
      report.status === undefined || ((report.status === 'open' || report.status === 'closed') && current.status === 'refunded')
        ? current.status
        : report.status,
    reason: report.reason === undefined ? current.reason : report.reason,
    amount: report.amount,
    currency: report.currency,
    respondBy: report.respondBy === undefined ? current.respondBy : report.respondBy,
    network: report.network === undefined ? current.network : report.network,
    alertKind: report.alertKind === undefined ? current.alertKind : report.alertKind,
    actionable: report.actionable ?? current.actionable,
    reportedAt: report.reportedAt,
  };
  const same = (Object.keys(next) as (keyof DisputeFacts)[]).every((k) => k === 'reportedAt' || next[k] === current[k]);
  return same ? null : next;
}

/** An inquiry or early warning: before any money moves, a refund still prevents the chargeback. */
export function isAlertStage(stage: DisputeStage): boolean {
  return STAGE_RANK[stage] < STAGE_RANK.chargeback;
}

/**
 * Stripe's dispute `status` (SPEC §12): the `warning_*` statuses are an inquiry (a retrieval
 * request: no money moved yet), the others a chargeback or its outcome. Null: not a status
 * Stripe documents, so nothing to fold in.
 */
export function stripeDisputeMapping(status: string): { stage: DisputeStage; status: DisputeStatus } | null {
  switch (status) {
    case 'warning_needs_response':
    case 'warning_under_review':
      return { stage: 'inquiry', status: 'open' };
    case 'warning_closed':
      return { stage: 'inquiry', status: 'closed' };
    case 'needs_response':
    case 'under_review':
      return { stage: 'chargeback', status: 'open' };
    case 'won':
      return { stage: 'chargeback', status: 'won' };
    case 'lost':
      return { stage: 'chargeback', status: 'lost' };
    case 'prevented':
      // Prevented before it became a chargeback (a stage never goes back if it already was one).
      return { stage: 'inquiry', status: 'prevented' };
    default:
      return null;
  }
}

const PAYPAL_STAGES: Record<string, DisputeStage> = {
  INQUIRY: 'inquiry',
  CHARGEBACK: 'chargeback',
  PRE_ARBITRATION: 'pre_arbitration',
  ARBITRATION: 'arbitration',
};

/**
 * PayPal's `dispute_life_cycle_stage`, `status` and `dispute_outcome.outcome_code` (SPEC §12).
 * A resolved dispute is won when the seller was favoured (or the claim denied), lost when the
 * buyer was paid, and closed when the buyer cancelled or no outcome is given.
 */
export function paypalDisputeMapping(
  lifeCycleStage: string,
  status: string | undefined,
  outcomeCode: string | undefined,
): { stage: DisputeStage; status: DisputeStatus } | null {
  const stage = PAYPAL_STAGES[lifeCycleStage];
  if (!stage) return null;
  if (status !== 'RESOLVED' && outcomeCode === undefined) return { stage, status: 'open' };
  switch (outcomeCode) {
    case 'RESOLVED_SELLER_FAVOUR':
    case 'DENIED':
      return { stage, status: 'won' };
    case 'RESOLVED_BUYER_FAVOUR':
    case 'RESOLVED_WITH_PAYOUT':
    case 'ACCEPTED':
      return { stage, status: 'lost' };
    default:
      return { stage, status: 'closed' };
  }
}
