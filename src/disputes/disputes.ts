/**
 * The dispute record (SPEC §12): every report from Stripe, PayPal or the platform is
 * folded into one row per (source, external id), kept even when the payment has no
 * case. A report that brings a payment to the chargeback stage closes its case (and
 * cancels what the case still owed) in the same transaction as the record.
 */
import type { Kysely, Transaction } from 'kysely';
import { type CaseService, isLostRace } from '../cases/service.js';
import type { Clock } from '../clock.js';
import {
  type DisputeFacts,
  type DisputeReport,
  type DisputeSource,
  type DisputeStage,
  type DisputeStatus,
  foldReport,
  isChargebackStage,
} from '../domain/dispute.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { DB, DisputeRow } from '../db/schema.js';
import { newId } from '../ids.js';
import { type DisputeEvidence, enqueueStaging, parseEvidence, stagesEvidence } from './evidence.js';

export interface DisputeView {
  id: string;
  paymentId: string;
  source: DisputeSource;
  externalId: string;
  stage: DisputeStage;
  status: DisputeStatus;
  reason: string | null;
  amount: number;
  currency: string;
  respondBy: string | null;
  network: string | null;
  alertKind: string | null;
  actionable: boolean;
  /** The chargeback response prepared from the case (SPEC §13), or null. */
  evidence: DisputeEvidence | null;
  createdAt: string;
  updatedAt: string;
}

/** A report as a source sends it: amount and currency default to the payment's. */
export type IncomingReport = Omit<DisputeReport, 'amount' | 'currency'> & { amount?: number | undefined; currency?: string | undefined };

export function disputeView(d: DisputeRow): DisputeView {
  return {
    id: d.id,
    paymentId: d.payment_id,
    source: d.source as DisputeSource,
    externalId: d.external_id,
    stage: d.stage as DisputeStage,
    status: d.status as DisputeStatus,
    reason: d.reason,
    amount: d.amount,
    currency: d.currency,
    respondBy: d.respond_by,
    network: d.network,
    alertKind: d.alert_kind,
    actionable: d.actionable === 1,
    evidence: parseEvidence(d.evidence),
    createdAt: d.created_at,
    updatedAt: d.updated_at,
  };
}

function facts(d: DisputeRow): DisputeFacts {
  const v = disputeView(d);
  return { ...v, reportedAt: d.reported_at };
}

export class Disputes {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly cases: CaseService,
  ) {}

  /** Folds one report into its dispute; `changed` is false for a repeat or an older report. */
  async report(
    paymentId: string,
    source: DisputeSource,
    externalId: string,
    report: IncomingReport,
  ): Promise<{ dispute: DisputeView; changed: boolean; caseId: string | null }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => this.reportIn(trx, paymentId, source, externalId, report));
      } catch (err) {
        // Two reports of one dispute racing: the loser folds its report into the winner's row.
        const raced = isLostRace(err) || (err instanceof DomainError && err.code === 'conflict');
        if (!raced || attempt >= 5) throw err;
      }
    }
  }

  private async reportIn(trx: Transaction<DB>, paymentId: string, source: DisputeSource, externalId: string, report: IncomingReport) {
    const payment = await trx.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (!payment) throw notFound('payment');
    const c = await trx.selectFrom('cases').select('id').where('payment_id', '=', paymentId).executeTakeFirst();
    const caseId = c?.id ?? null;
    const current = await trx
      .selectFrom('disputes')
      .selectAll()
      .where('source', '=', source)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    if (current && current.payment_id !== paymentId)
      throw new DomainError(409, 'dispute_payment_mismatch', `Dispute ${externalId} is recorded for another payment.`);
    const next = foldReport(current ? facts(current) : null, {
      ...report,
      amount: report.amount ?? current?.amount ?? payment.amount,
      currency: report.currency ?? current?.currency ?? payment.currency,
    });
    if (!next) return { dispute: disputeView(current as DisputeRow), changed: false, caseId };
    const now = this.clock.now().toISOString();
    const columns = {
      stage: next.stage,
      status: next.status,
      reason: next.reason,
      amount: next.amount,
      currency: next.currency,
      respond_by: next.respondBy,
      network: next.network,
      alert_kind: next.alertKind,
      actionable: next.actionable ? 1 : 0,
      reported_at: next.reportedAt,
      updated_at: now,
    };
    let row: DisputeRow;
    if (current) {
      const res = await trx
        .updateTable('disputes')
        .set(columns)
        .where('id', '=', current.id)
        .where('reported_at', '=', current.reported_at)
        .where('updated_at', '=', current.updated_at)
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new DomainError(409, 'conflict', 'The dispute changed meanwhile.');
      row = { ...current, ...columns };
    } else {
      row = {
        id: newId('dsp'),
        payment_id: paymentId,
        merchant_id: payment.merchant_id,
        source,
        external_id: externalId,
        evidence: null,
        created_at: now,
        ...columns,
      };
      await trx.insertInto('disputes').values(row).execute();
    }
    // The bank has the money back now: the case closes and owes nothing more (SPEC §12).
    if (caseId && isChargebackStage(next.stage) && !(current && isChargebackStage(current.stage as DisputeStage))) {
      await this.cases.systemIn(trx, caseId, { type: 'chargeback' });
      // The conversation already held becomes the merchant's answer to the bank (SPEC §13).
      if (stagesEvidence(source)) await enqueueStaging(trx, this.clock.now(), row.id);
    }
    return { dispute: disputeView(row), changed: true, caseId };
  }

  async forPayment(paymentId: string): Promise<DisputeView[]> {
    const rows = await this.db
      .selectFrom('disputes')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(disputeView);
  }
}
