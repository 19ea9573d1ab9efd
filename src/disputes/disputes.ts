/**
 * The dispute record (SPEC §12): every report from Stripe, PayPal or the platform is
 * folded into one row per (source, external id), kept even when the payment has no
 * case. What a report does happens in the same transaction as the record: a chargeback
 * closes the case (and cancels what the case still owed); an inquiry or early warning
 * closes nothing, goes on an open case's timeline as `bank_inquiry`, and is refunded at
 * once below the merchant's alert threshold. A dispute's own `refund` accepts an open
 * case on the merchant's behalf, or refunds the payment itself (exactly once, through the
 * outbox, keyed by the dispute) when there is no open case.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Viewer } from '../cases/access.js';
import { type CaseService, parseState } from '../cases/service.js';
import { decodeCursor, encodeCursor } from '../db/paging.js';
import { isLostRace, retryLostRaces } from '../db/races.js';
import type { Clock } from '../clock.js';
import { type Actor, SYSTEM } from '../domain/case.js';
import {
  DISPUTE_STAGES,
  type DisputeFacts,
  type DisputeReport,
  type DisputeSource,
  type DisputeStage,
  type DisputeStatus,
  foldReport,
  isAlertStage,
  isChargebackStage,
} from '../domain/dispute.js';
import { DomainError, notFound } from '../domain/errors.js';
import { type CaseStatus, isOpen } from '../domain/model.js';
import type { DB, DisputeRow } from '../db/schema.js';
import { newId } from '../ids.js';
import { type OutboxMessage, enqueue } from '../outbox/outbox.js';
import { webhookPublisher } from '../notifications/webhooks.js';
import { type DisputeEvidence, enqueueStaging, parseEvidence, stagesEvidence } from './evidence-record.js';
import { below, readSettings } from './settings.js';

const ALERT_STAGES: readonly DisputeStage[] = DISPUTE_STAGES.filter(isAlertStage);

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

/** Who may see a dispute (and its chargeback response): staff, and the members of its merchant. */
export function seesDispute(viewer: Viewer, d: { merchant_id: string }): boolean {
  return viewer.isStaff || viewer.merchantIds.includes(d.merchant_id);
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

export type DisputeRefundState = 'pending' | 'succeeded' | 'failed' | 'nothing_left';

/** A dispute as its lists and actions show it: the record, its case, its own refund, and what may be done. */
export interface AlertView extends DisputeView {
  caseId: string | null;
  refund: { state: DisputeRefundState; amount: number; refundId: string | null } | null;
  rule: string | null;
  availableActions: ('refund' | 'dismiss')[];
}

export interface DisputeActionInput {
  type: 'refund' | 'dismiss';
  message?: string | undefined;
}

export interface DisputeListFilter {
  paymentId?: string | undefined;
  stage?: DisputeStage | undefined;
  status?: DisputeStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The outbox row of a dispute's own refund: its key is derived from the dispute, so the provider pays once. */
export const disputeRefundKey = (disputeId: string) => `rc-dispute-refund-${disputeId}`;

const notAllowed = (detail: string) => new DomainError('action_not_allowed', detail);

function alertView(d: DisputeRow, caseId: string | null): AlertView {
  const open = d.status === 'open' && isAlertStage(d.stage as DisputeStage);
  return {
    ...disputeView(d),
    caseId,
    refund: d.refund_state ? { state: d.refund_state as DisputeRefundState, amount: d.refund_amount ?? 0, refundId: d.refund_id } : null,
    rule: d.rule,
    availableActions: open ? ['refund', 'dismiss'] : [],
  };
}

export class Disputes {
  private readonly publish = webhookPublisher();
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly cases: CaseService,
  ) {
    // The case's own `accept` (the merchant's, or on their behalf) refunds the payment in
    // full: its open inquiries and early warnings are answered by it (SPEC §12).
    cases.onChange(async (trx, change) => {
      if (!change.events.some((e) => e.type === 'accepted')) return [];
      const now = this.clock.now();
      const open = await trx
        .selectFrom('disputes')
        .selectAll()
        .where('payment_id', '=', change.row.payment_id)
        .where('status', '=', 'open')
        .where('stage', 'in', ALERT_STAGES)
        .execute();
      if (open.length === 0) return [];
      await trx
        .updateTable('disputes')
        .set({ status: 'refunded', updated_at: now.toISOString() })
        .where(
          'id',
          'in',
          open.map((d) => d.id),
        )
        .execute();
      const out: OutboxMessage[] = [];
      for (const d of open)
        out.push(
          ...(await this.webhooks(trx, 'dispute.updated', { ...d, status: 'refunded', updated_at: now.toISOString() }, change.row.id, now)),
        );
      return out;
    });
  }

  /** Folds one report into its dispute; `changed` is false for a repeat or an older report. */
  async report(
    paymentId: string,
    source: DisputeSource,
    externalId: string,
    report: IncomingReport,
  ): Promise<{ dispute: DisputeView; changed: boolean; caseId: string | null }> {
    return this.retrying(() => this.db.transaction().execute((trx) => this.reportIn(trx, paymentId, source, externalId, report)));
  }

  /** Two writers of one dispute or case racing: the loser runs again on what the winner wrote. */
  private retrying<T>(run: () => Promise<T>): Promise<T> {
    return retryLostRaces(run, { raced: (err) => isLostRace(err) || (err instanceof DomainError && err.code === 'conflict') });
  }

  /**
   * The single place where what a bank says about a payment takes effect. A chargeback for a
   * payment with a case closes it here (the `chargeback` system transition); SPEC §13's
   * evidence staging for provider disputes hooks in at the same point.
   */
  private async reportIn(trx: Transaction<DB>, paymentId: string, source: DisputeSource, externalId: string, report: IncomingReport) {
    const payment = await trx.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (!payment) throw notFound('payment');
    const c = await trx.selectFrom('cases').select(['id', 'status']).where('payment_id', '=', paymentId).executeTakeFirst();
    const caseId = c?.id ?? null;
    const current = await trx
      .selectFrom('disputes')
      .selectAll()
      .where('source', '=', source)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    if (current && current.payment_id !== paymentId)
      throw new DomainError('dispute_payment_mismatch', `Dispute ${externalId} is recorded for another payment.`);
    const next = foldReport(current ? facts(current) : null, {
      ...report,
      amount: report.amount ?? current?.amount ?? payment.amount,
      currency: report.currency ?? current?.currency ?? payment.currency,
    });
    if (!next) return { dispute: disputeView(current as DisputeRow), changed: false, caseId };
    const now = this.clock.now();
    const at = now.toISOString();
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
      updated_at: at,
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
      if (res.numUpdatedRows === 0n) throw new DomainError('conflict', 'The dispute changed meanwhile.');
      row = { ...current, ...columns };
    } else {
      row = {
        id: newId('dsp'),
        payment_id: paymentId,
        merchant_id: payment.merchant_id,
        source,
        external_id: externalId,
        evidence: null,
        refund_state: null,
        refund_amount: null,
        refund_id: null,
        rule: null,
        created_at: at,
        ...columns,
      };
      await trx.insertInto('disputes').values(row).execute();
    }
    const outbox = await this.webhooks(trx, current ? 'dispute.updated' : 'dispute.created', row, caseId, now);
    // The bank has the money back now: the case closes and owes nothing more (SPEC §12).
    if (caseId && isChargebackStage(next.stage) && !(current && isChargebackStage(current.stage as DisputeStage))) {
      await this.cases.systemIn(trx, caseId, { type: 'chargeback' });
      // The conversation already held becomes the merchant's answer to the bank (SPEC §13).
      if (stagesEvidence(source)) await enqueueStaging(trx, this.clock.now(), row.id);
    }
    // An inquiry or early warning, new: the case hears of it; nothing closes.
    const newAlert = !current && isAlertStage(next.stage) && next.status === 'open';
    if (newAlert && c && isOpen(c.status as CaseStatus))
      await this.cases.systemIn(trx, c.id, { type: 'bank_inquiry', disputeId: row.id, stage: next.stage, respondBy: next.respondBy });
    await enqueue(trx, now, outbox);
    if (newAlert) {
      const settings = await readSettings(trx, payment.merchant_id);
      const left = payment.amount - payment.refunded_amount - payment.credited_amount;
      if (below(left, settings.alertAutoRefund[payment.currency.toUpperCase()] ?? null)) {
        row = await this.refundIn(trx, row, SYSTEM, null, 'alert_auto_refund');
      }
    }
    return { dispute: disputeView(row), changed: true, caseId };
  }

  /** `POST /disputes/{id}/actions` (SPEC §12): members of the merchant and staff. */
  async act(viewer: Viewer, disputeId: string, input: DisputeActionInput): Promise<AlertView> {
    const d = await this.db.selectFrom('disputes').selectAll().where('id', '=', disputeId).executeTakeFirst();
    if (!d) throw notFound('dispute');
    const member = viewer.merchantIds.includes(d.merchant_id);
    if (!seesDispute(viewer, d)) {
      const p = await this.db.selectFrom('payments').select('customer_id').where('id', '=', d.payment_id).executeTakeFirst();
      // The customer sees the bank's inquiry on the case but does not answer it for the merchant.
      if (p?.customer_id === viewer.userId) throw new DomainError('forbidden', 'Only the merchant or staff act on a bank dispute.');
      throw notFound('dispute');
    }
    const actor: Actor = { kind: member ? 'merchant' : 'staff', id: viewer.userId, name: viewer.name };
    await this.retrying(() =>
      this.db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('disputes').selectAll().where('id', '=', disputeId).executeTakeFirstOrThrow();
        if (input.type === 'refund') return this.refundIn(trx, row, actor, input.message ?? null);
        return this.dismissIn(trx, row);
      }),
    );
    return this.get(viewer, disputeId);
  }

  private async dismissIn(trx: Transaction<DB>, d: DisputeRow): Promise<DisputeRow> {
    if (!isAlertStage(d.stage as DisputeStage)) throw notAllowed('A chargeback cannot be dismissed: the bank has taken the money back.');
    const now = this.clock.now();
    const res = await trx
      .updateTable('disputes')
      .set({ status: 'closed', updated_at: now.toISOString() })
      .where('id', '=', d.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw notAllowed(`The dispute is ${d.status}: there is nothing to dismiss.`);
    const row = { ...d, status: 'closed', updated_at: now.toISOString() };
    const c = await trx.selectFrom('cases').select('id').where('payment_id', '=', d.payment_id).executeTakeFirst();
    await enqueue(trx, now, await this.webhooks(trx, 'dispute.updated', row, c?.id ?? null, now));
    return row;
  }

  /**
   * The full remaining amount to the customer, once (SPEC §12). The dispute is marked first,
   * conditionally, so a second refund (or one racing this) is refused. An open case is
   * accepted on the merchant's behalf and its remedy pays; otherwise the dispute's own
   * refund goes through the outbox with a key derived from the dispute.
   */
  private async refundIn(
    trx: Transaction<DB>,
    d: DisputeRow,
    actor: Actor,
    message: string | null,
    rule?: 'alert_auto_refund',
  ): Promise<DisputeRow> {
    if (!isAlertStage(d.stage as DisputeStage))
      throw notAllowed('A chargeback cannot be refunded from here: the bank has already taken the money back.');
    const now = this.clock.now();
    const at = now.toISOString();
    const marked = await trx
      .updateTable('disputes')
      .set({ status: 'refunded', rule: rule ?? null, updated_at: at })
      .where('id', '=', d.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (marked.numUpdatedRows === 0n) throw notAllowed(`The dispute is ${d.status}: it cannot be refunded again.`);
    let row: DisputeRow = { ...d, status: 'refunded', rule: rule ?? null, updated_at: at };
    const c = await trx.selectFrom('cases').select(['id', 'status', 'state']).where('payment_id', '=', d.payment_id).executeTakeFirst();
    if (c && isOpen(c.status as CaseStatus)) {
      // As the merchant's accept: customer_won, the remaining amount through the case's remedy.
      await this.cases.systemIn(trx, c.id, {
        type: 'accept_for_merchant',
        actor,
        message,
        disputeId: d.id,
        ...(rule ? { rule } : {}),
      });
    } else {
      const owed = c ? parseState(c).outcome : null;
      if (
        owed &&
        (owed.execution === 'pending' || owed.execution === 'failed') &&
        owed.kind !== 'none' &&
        owed.kind !== 'refunded_elsewhere'
      )
        throw notAllowed('The case’s own refund or credit is still due: it settles the payment.');
      const p = await trx.selectFrom('payments').selectAll().where('id', '=', d.payment_id).executeTakeFirstOrThrow();
      const left = p.amount - p.refunded_amount - p.credited_amount;
      const refund = { refund_state: left > 0 ? 'pending' : 'nothing_left', refund_amount: Math.max(left, 0) };
      await trx.updateTable('disputes').set(refund).where('id', '=', d.id).execute();
      row = { ...row, ...refund };
      if (left > 0)
        await enqueue(trx, now, [
          { kind: 'dispute_refund', payload: { disputeId: d.id }, idempotencyKey: disputeRefundKey(d.id) } satisfies OutboxMessage,
        ]);
    }
    await enqueue(trx, now, await this.webhooks(trx, 'dispute.updated', row, c?.id ?? null, now));
    return row;
  }

  /** `dispute.created` / `dispute.updated` for every endpoint subscribed (SPEC §12), as outbox rows. */
  /** `dispute.created|updated` (SPEC §12): recorded for the events API and queued to the endpoints subscribed. */
  private webhooks(
    trx: Transaction<DB>,
    type: 'dispute.created' | 'dispute.updated',
    d: DisputeRow,
    caseId: string | null,
    now: Date,
  ): Promise<OutboxMessage[]> {
    return this.publish(trx, now, type, caseId, { dispute: disputeView(d), caseId });
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

  /** One dispute, for members of its merchant and staff. */
  async get(viewer: Viewer, id: string): Promise<AlertView> {
    const d = await this.db
      .selectFrom('disputes')
      .leftJoin('cases', 'cases.payment_id', 'disputes.payment_id')
      .selectAll('disputes')
      .select('cases.id as case_id')
      .where('disputes.id', '=', id)
      .executeTakeFirst();
    if (!d || !seesDispute(viewer, d)) throw notFound('dispute');
    const { case_id, ...row } = d;
    return alertView(row, case_id);
  }

  /** Newest first, by (created_at, id); `merchantId` null lists every merchant's (the platform's list). */
  async list(merchantId: string | null, f: DisputeListFilter): Promise<{ data: AlertView[]; nextCursor: string | null }> {
    const cursor = decodeCursor(f.cursor);
    let q = this.db
      .selectFrom('disputes')
      .leftJoin('cases', 'cases.payment_id', 'disputes.payment_id')
      .selectAll('disputes')
      .select('cases.id as case_id');
    if (merchantId !== null) q = q.where('disputes.merchant_id', '=', merchantId);
    if (f.paymentId) q = q.where('disputes.payment_id', '=', f.paymentId);
    if (f.stage) q = q.where('disputes.stage', '=', f.stage);
    if (f.status) q = q.where('disputes.status', '=', f.status);
    if (cursor) q = q.where((eb) => eb(eb.refTuple('disputes.created_at', 'disputes.id'), '<', eb.tuple(cursor.a, cursor.id)));
    const rows = await q
      .orderBy('disputes.created_at', 'desc')
      .orderBy('disputes.id', 'desc')
      .limit(f.limit + 1)
      .execute();
    const page = rows.slice(0, f.limit);
    const last = page.at(-1);
    return {
      data: page.map(({ case_id, ...row }) => alertView(row, case_id)),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }
}
