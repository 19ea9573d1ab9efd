/**
 * The marketplace pushes its users, merchants and payments (SPEC §9). Reports
 * that affect a case (refunded elsewhere, chargeback) go through the one write path.
 */
import type { Kysely } from 'kysely';
import type { CaseService } from '../cases/service.js';
import type { Clock } from '../clock.js';
import { DomainError, notFound } from '../domain/errors.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { DB } from '../db/schema.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';

export interface UserInput {
  email: string;
  name: string;
  password?: string | undefined;
  isStaff?: boolean | undefined;
  timeZone?: string | undefined;
  /** SPEC §15: true disables the person (logins refused, sessions ended); omitted leaves it as it is. */
  disabled?: boolean | undefined;
}

export interface MerchantInput {
  name: string;
  supportEmail: string;
  memberIds: string[];
}

export interface PaymentInput {
  customerId: string;
  merchantId: string;
  amount: number;
  currency: string;
  provider: string;
  providerPaymentId: string;
  status: 'succeeded' | 'refunded' | 'partially_refunded';
  refundedAmount?: number | undefined;
  productName: string;
  paidAt: string;
}

const invalid = (path: string, message: string) =>
  new DomainError(400, 'validation_failed', 'The request is not valid.', [{ path, message }]);

export class PlatformSync {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly cases: CaseService,
  ) {}

  async putUser(id: string, u: UserInput) {
    const now = this.clock.now().toISOString();
    const before = await this.db.selectFrom('users').select(['id', 'password_hash', 'disabled']).where('id', '=', id).executeTakeFirst();
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
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({ id, password_hash: null, ...values, created_at: now })
          .onConflict((oc) => oc.column('id').doUpdateSet(values))
          .execute();
        if (endSessions) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      });
      return { created: !before };
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError(409, 'email_taken', 'Another user already has this email.');
      throw err;
    }
  }

  async putMerchant(id: string, m: MerchantInput) {
    const now = this.clock.now().toISOString();
    const memberIds = [...new Set(m.memberIds)];
    return this.db.transaction().execute(async (trx) => {
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
      await trx.deleteFrom('merchant_members').where('merchant_id', '=', id).execute();
      if (memberIds.length)
        await trx
          .insertInto('merchant_members')
          .values(memberIds.map((user_id) => ({ merchant_id: id, user_id })))
          .execute();
      return { created: !existed };
    });
  }

  async putPayment(id: string, p: PaymentInput) {
    const now = this.clock.now().toISOString();
    const refunded = p.status === 'refunded' ? p.amount : (p.refundedAmount ?? 0);
    if (refunded > p.amount) throw invalid('refundedAmount', 'Cannot exceed amount');
    if (p.status === 'partially_refunded' && refunded === 0)
      throw invalid('refundedAmount', 'A partially refunded payment needs refundedAmount');
    const { caseId, created, becameRefunded } = await this.db.transaction().execute(async (trx) => {
      const customer = await trx.selectFrom('users').select('id').where('id', '=', p.customerId).executeTakeFirst();
      if (!customer) throw invalid('customerId', 'Unknown user');
      const merchant = await trx.selectFrom('merchants').select('id').where('id', '=', p.merchantId).executeTakeFirst();
      if (!merchant) throw invalid('merchantId', 'Unknown merchant');
      const before = await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
      const values = {
        customer_id: p.customerId,
        merchant_id: p.merchantId,
        amount: p.amount,
        currency: p.currency,
        provider: p.provider,
        provider_payment_id: p.providerPaymentId,
        status: refunded >= p.amount ? 'refunded' : p.status,
        refunded_amount: refunded,
        product_name: p.productName,
        paid_at: new Date(p.paidAt).toISOString(),
        updated_at: now,
      };
      await trx
        .insertInto('payments')
        .values({ id, ...values, created_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute();
      const c = await trx.selectFrom('cases').select('id').where('payment_id', '=', id).executeTakeFirst();
      return {
        caseId: c?.id ?? null,
        created: !before,
        becameRefunded: values.status === 'refunded' && before?.status !== 'refunded',
      };
    });
    // A refund made outside the Resolution Center closes its open case (SPEC §4).
    if (caseId && becameRefunded) await this.cases.system(caseId, { type: 'refunded_elsewhere' });
    return { created, caseId };
  }

  async chargeback(paymentId: string) {
    const c = await this.db.selectFrom('cases').select('id').where('payment_id', '=', paymentId).executeTakeFirst();
    if (!c) {
      const payment = await this.db.selectFrom('payments').select('id').where('id', '=', paymentId).executeTakeFirst();
      if (!payment) throw notFound('payment');
      return { caseId: null };
    }
    await this.cases.system(c.id, { type: 'chargeback' });
    return { caseId: c.id };
  }
}
