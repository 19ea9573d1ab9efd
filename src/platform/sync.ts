/**
 * The marketplace pushes its users, merchants and payments (SPEC §9). Reports
 * that affect a case (refunded elsewhere, chargeback) go through the one write path.
 */
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { type CaseService, overRefunded } from '../cases/service.js';
import { retryLostRaces } from '../db/races.js';
import type { Disputes } from '../disputes/disputes.js';
import { isActiveCurrency } from '../domain/money.js';
import type { Provider } from '../domain/model.js';
import type { Clock } from '../clock.js';
import { DomainError, notFound } from '../domain/errors.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { Invalidations, Topic } from '../db/invalidations.js';
import type { DB } from '../db/schema.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { MerchantBody, PaymentBody, UserBody } from '../http/schemas.js';

/** What the platform sends, as the routes validate it. */
export type UserInput = z.infer<typeof UserBody>;
export type MerchantInput = z.infer<typeof MerchantBody>;
export type PaymentInput = z.infer<typeof PaymentBody>;

const invalid = (path: string, message: string) => new DomainError('validation_failed', 'The request is not valid.', [{ path, message }]);

export class PlatformSync {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly cases: CaseService,
    private readonly disputes: Disputes,
    private readonly invalidations: Invalidations,
  ) {}

  /** A synced person as stored (SPEC §14 read-back). */
  async getUser(id: string) {
    const u = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!u) throw new DomainError('not_found', 'No such user.');
    const members = await this.db
      .selectFrom('merchant_members')
      .select('merchant_id')
      .where('user_id', '=', id)
      .orderBy('merchant_id')
      .execute();
    return {
      id: u.id,
      email: u.erased_at ? null : u.email,
      name: u.name,
      isStaff: u.is_staff === 1,
      timeZone: u.time_zone,
      disabled: u.disabled === 1,
      hasPassword: u.password_hash !== null,
      erasedAt: u.erased_at,
      merchantIds: members.map((m) => m.merchant_id),
      createdAt: u.created_at,
      updatedAt: u.updated_at,
    };
  }

  /**
   * Erasure (SPEC §14): the person becomes "Deleted user", without email or password, and
   * every session and login link ends; their cases and money records stay, under their id.
   */
  async eraseUser(id: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.invalidations.within(this.db, [`user:${id}`], async (trx) => {
      const u = await trx.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
      if (!u) throw new DomainError('not_found', 'No such user.');
      await trx
        .updateTable('users')
        .set({
          name: 'Deleted user',
          // The column is unique and required: a placeholder no mail can reach, never shown.
          email: `erased+${id.toLowerCase()}@erased.invalid`,
          password_hash: null,
          disabled: 1,
          erased_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('erased_at', 'is', null)
        .execute();
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      await trx.deleteFrom('login_tokens').where('user_id', '=', id).execute();
    });
  }

  async putUser(id: string, u: UserInput) {
    const now = this.clock.now().toISOString();
    const before = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'disabled', 'erased_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (before?.erased_at) throw new DomainError('user_erased', 'This user was erased; an erased user is never restored.');
    // A platform that re-sends the same password on every sync is not changing it: sessions stay.
    const samePassword = u.password !== undefined && !!before?.password_hash && (await verifyPassword(u.password, before.password_hash));
    const passwordHash = u.password === undefined || samePassword ? undefined : await hashPassword(u.password);
    const values = {
      email: u.email.trim().toLowerCase(),
      name: u.name,
      is_staff: u.isStaff ? 1 : 0,
      time_zone: u.timeZone ?? 'UTC',
      updated_at: now,
      ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
      ...(u.disabled !== undefined ? { disabled: u.disabled ? 1 : 0 } : {}),
    };
    // SPEC §15: a new password or disabling ends every session of the person, in the same transaction.
    const endSessions = !!before && (passwordHash !== undefined || u.disabled === true);
    try {
      // A session kept in memory holds the person's name, email, staff flag and time zone too.
      await this.invalidations.within(this.db, [`user:${id}`], async (trx) => {
        await trx
          .insertInto('users')
          .values({ id, password_hash: null, ...values, created_at: now })
          .onConflict((oc) => oc.column('id').doUpdateSet(values))
          .execute();
        if (endSessions) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      });
      return { created: !before };
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('email_taken', 'Another user already has this email.');
      throw err;
    }
  }

  async putMerchant(id: string, m: MerchantInput) {
    const now = this.clock.now().toISOString();
    const memberIds = [...new Set(m.memberIds)];
    // Sessions kept in memory hold their person's memberships: those who leave and those who join.
    const topics: Topic[] = [];
    const result = await this.db.transaction().execute(async (trx) => {
      if (memberIds.length) {
        const known = await trx.selectFrom('users').select('id').where('id', 'in', memberIds).execute();
        const missing = memberIds.filter((u) => !known.some((k) => k.id === u));
        if (missing.length) throw invalid('memberIds', `Unknown users: ${missing.join(', ')}`);
      }
      const existed = await trx.selectFrom('merchants').select('id').where('id', '=', id).executeTakeFirst();
      const values = { name: m.name, support_email: m.supportEmail.trim().toLowerCase(), updated_at: now };
      await trx
        .insertInto('merchants')
        .values({ id, ...values, created_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute();
      const left = await trx.deleteFrom('merchant_members').where('merchant_id', '=', id).returning('user_id').execute();
      if (memberIds.length)
        await trx
          .insertInto('merchant_members')
          .values(memberIds.map((user_id) => ({ merchant_id: id, user_id })))
          .execute();
      for (const u of new Set([...left.map((l) => l.user_id), ...memberIds])) topics.push(`user:${u}`);
      await this.invalidations.publish(trx, topics);
      return { created: !existed };
    });
    this.invalidations.changed(topics);
    return result;
  }

  /**
   * SPEC §11: the payment and what its change does to the case commit together. Input that
   * contradicts itself or the record is refused, never rewritten.
   */
  async putPayment(id: string, p: PaymentInput) {
    const refunded = checkPaymentInput(p, this.clock.now());
    // A person acted on the case meanwhile: the report is applied again to the case as it is now.
    return retryLostRaces(() => this.db.transaction().execute((trx) => this.putPaymentIn(trx, id, p, refunded)));
  }

  private async putPaymentIn(trx: Transaction<DB>, id: string, p: PaymentInput, refunded: number) {
    const now = this.clock.now().toISOString();
    const customer = await trx.selectFrom('users').select('id').where('id', '=', p.customerId).executeTakeFirst();
    if (!customer) throw invalid('customerId', 'Unknown user');
    const merchant = await trx.selectFrom('merchants').select('id').where('id', '=', p.merchantId).executeTakeFirst();
    if (!merchant) throw invalid('merchantId', 'Unknown merchant');
    const before = await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
    const c = await trx.selectFrom('cases').select('id').where('payment_id', '=', id).executeTakeFirst();
    const caseId = c?.id ?? null;
    const values = {
      customer_id: p.customerId,
      merchant_id: p.merchantId,
      amount: p.amount,
      currency: p.currency,
      provider: p.provider,
      provider_payment_id: p.providerPaymentId,
      status: p.status,
      refunded_amount: refunded,
      product_name: p.productName,
      paid_at: new Date(p.paidAt).toISOString(),
      updated_at: now,
    };
    if (before) {
      const disputed = await trx.selectFrom('disputes').select('id').where('payment_id', '=', id).executeTakeFirst();
      if (caseId || disputed) {
        const changed = LOCKED.filter((k) => before[k] !== values[k]);
        if (changed.length)
          throw new DomainError(
            'payment_locked',
            `The payment has a ${caseId ? 'case' : 'dispute'}: ${changed.map((k) => FIELD_NAMES[k]).join(', ')} can no longer change.`,
          );
      }
      if (refunded < before.refunded_amount)
        throw new DomainError(
          'refund_cannot_decrease',
          `The payment has ${before.refunded_amount} refunded already; a report of ${refunded} would take refunds back.`,
        );
    }
    const taken = await trx
      .selectFrom('payments')
      .select('id')
      .where('provider', '=', p.provider)
      .where('provider_payment_id', '=', p.providerPaymentId)
      .where('id', '!=', id)
      .executeTakeFirst();
    if (taken) throw providerIdTaken(p);
    const credited = before?.credited_amount ?? 0;
    const over = overRefunded(p.amount, refunded, credited);
    try {
      await trx
        .insertInto('payments')
        .values({ id, ...values, over_refunded: over, created_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, over_refunded: over }))
        .execute();
    } catch (err) {
      // Another payment took the provider's id between the check and the write.
      if (isUniqueViolation(err)) throw providerIdTaken(p);
      throw err;
    }
    // The case's copy of the product (insights read cases without joining payments).
    if (caseId && before && before.product_name !== values.product_name)
      await trx.updateTable('cases').set({ product_name: values.product_name }).where('id', '=', caseId).execute();
    const grew = refunded - (before?.refunded_amount ?? refunded);
    // A refund made outside the Resolution Center: its case learns of it in this transaction (SPEC §11).
    if (caseId && grew > 0) await this.cases.systemIn(trx, caseId, { type: 'refunded_elsewhere', amount: grew });
    return { created: !before, caseId };
  }

  /** `GET /platform/payments/{id}`: the payment as stored, its case and its disputes. */
  async getPayment(id: string) {
    const p = await this.db
      .selectFrom('payments')
      .leftJoin('cases', 'cases.payment_id', 'payments.id')
      .selectAll('payments')
      .select('cases.id as case_id')
      .where('payments.id', '=', id)
      .executeTakeFirst();
    if (!p) throw notFound('payment');
    return {
      id: p.id,
      customerId: p.customer_id,
      merchantId: p.merchant_id,
      amount: p.amount,
      currency: p.currency,
      provider: p.provider as Provider,
      providerPaymentId: p.provider_payment_id,
      status: p.status as PaymentInput['status'],
      refundedAmount: p.refunded_amount,
      creditedAmount: p.credited_amount,
      remaining: Math.max(0, p.amount - p.refunded_amount - p.credited_amount),
      overRefunded: p.over_refunded === 1,
      productName: p.product_name,
      paidAt: p.paid_at,
      caseId: p.case_id,
      disputes: await this.disputes.forPayment(id),
    };
  }

  /** `POST /platform/payments/{id}/chargeback`: a chargeback-stage dispute from the platform (SPEC §12). */
  async chargeback(paymentId: string) {
    const { dispute, caseId } = await this.disputes.report(paymentId, 'platform', `chargeback:${paymentId}`, {
      stage: 'chargeback',
      reportedAt: this.clock.now().toISOString(),
    });
    return { caseId, disputeId: dispute.id };
  }
}

/** What cannot change once a case or a dispute rests on the payment. */
const LOCKED = ['customer_id', 'merchant_id', 'amount', 'currency', 'provider', 'provider_payment_id'] as const;
const FIELD_NAMES: Record<(typeof LOCKED)[number], string> = {
  customer_id: 'customerId',
  merchant_id: 'merchantId',
  amount: 'amount',
  currency: 'currency',
  provider: 'provider',
  provider_payment_id: 'providerPaymentId',
};

function providerIdTaken(p: PaymentInput) {
  return new DomainError('provider_payment_id_taken', `Another payment already has ${p.provider} id ${p.providerPaymentId}.`);
}

/** How far ahead of the service's clock a `paidAt` may be (clock skew between the two systems). */
const PAID_AT_SKEW_MS = 5 * 60 * 1000;

/** SPEC §11's rules on one payment report, before anything is read; returns the refunded amount it states. */
export function checkPaymentInput(p: PaymentInput, now: Date): number {
  if (!isActiveCurrency(p.currency))
    throw new DomainError('invalid_currency', `${p.currency} is not an active ISO 4217 currency.`, [
      { path: 'currency', message: 'Must be an active ISO 4217 code' },
    ]);
  if (Date.parse(p.paidAt) > now.getTime() + PAID_AT_SKEW_MS) throw invalid('paidAt', 'Cannot be in the future');
  const refunded = p.refundedAmount ?? (p.status === 'refunded' ? p.amount : 0);
  if (refunded > p.amount) throw invalid('refundedAmount', 'Cannot exceed amount');
  switch (p.status) {
    case 'succeeded':
      if (refunded !== 0) throw invalid('refundedAmount', 'A succeeded payment has nothing refunded: say partially_refunded or refunded');
      break;
    case 'partially_refunded':
      if (!(refunded > 0 && refunded < p.amount))
        throw invalid('refundedAmount', 'A partially refunded payment needs 0 < refundedAmount < amount');
      break;
    case 'refunded':
      if (refunded !== p.amount) throw invalid('refundedAmount', 'A refunded payment has refundedAmount equal to amount');
      break;
  }
  return refunded;
}
