/**
 * The one write path (ARCHITECTURE "cases/"): every change to a case — people's
 * actions, deadline expiry, finalisation, platform reports, remedy results —
 * runs through `mutate`: one transaction that loads the case, plans events with
 * the pure domain, folds them into the state, compare-and-sets `version`,
 * appends the events and writes ledger and outbox rows.
 */
import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import {
  type Actor,
  type AttachmentRef,
  type CaseState,
  type Effect,
  type NewEvent,
  type PaymentFacts,
  type Plan,
  apply,
  initialState,
  remaining,
  SYSTEM,
} from '../domain/case.js';
import { MAX_ATTACHMENTS, type ActionInput, planAction, planCreate } from '../domain/case-actions.js';
import { type SystemInput, planSystem } from '../domain/case-system.js';
import { type MerchantSettings, below, caseThreshold, settingsOf } from '../disputes/settings.js';
import { type EligibilityFacts, eligibility, INELIGIBLE_MESSAGES } from '../domain/eligibility.js';
import { CHARGEBACK_STAGES } from '../domain/dispute.js';
import { DomainError, conflict, notFound } from '../domain/errors.js';
import type { IssueType, PartyRole } from '../domain/model.js';
import { type Dialect, dialectOf, isUniqueViolation } from '../db/dialect.js';
import { LostRace, retryLostRaces } from '../db/races.js';
import { prepare } from '../db/prepared.js';
import type { CaseEventRow, CaseRow, DB, PaymentRow } from '../db/schema.js';
import { newId } from '../ids.js';
import { type OutboxMessage, enqueue, outboxRow } from '../outbox/outbox.js';
import { type Viewer, roleIn } from './access.js';
import type { CaseNames } from './case-rows.js';
import { chainedRow, eventHash, genesisHash } from './chain.js';

/** Claims uploads for a submission inside its transaction (evidence files plug in here). */
export interface EvidenceClaimer {
  claim(trx: Transaction<DB>, input: { userId: string; uploadIds: string[]; caseId: string; now: Date }): Promise<AttachmentRef[]>;
}

/** A change as written: what listeners that enqueue notifications see, and what the action's answer is built from. */
export interface CaseChange {
  row: CaseRow;
  before: CaseState | null;
  after: CaseState;
  events: (NewEvent & { id: string; seq: number; hash: string })[];
  /** The events' rows as stored. */
  stored: CaseEventRow[];
  payment: PaymentRow;
  names: CaseNames;
}

/** Runs inside the transaction of a change; returns outbox rows to write with it. */
export type ChangeListener = (trx: Transaction<DB>, change: CaseChange) => Promise<OutboxMessage[]> | OutboxMessage[];

export { MAX_ATTACHMENTS };

export const noEvidence: EvidenceClaimer = {
  claim(_trx, { uploadIds }) {
    if (uploadIds.length > 0)
      return Promise.reject(
        new DomainError('validation_failed', 'Evidence files are not enabled on this service.', [
          { path: 'attachmentIds', message: 'Must be empty' },
        ]),
      );
    return Promise.resolve([]);
  },
};

export function paymentFacts(p: PaymentRow): PaymentFacts {
  return { amount: p.amount, refundedAmount: p.refunded_amount, credits: p.credited_amount, currency: p.currency };
}

/** The seq of the case's last event, as the column `last_seq` of a query on `cases`. */
export function lastSeqColumn(eb: ExpressionBuilder<DB, 'cases'>) {
  return eb
    .selectFrom('case_events')
    .select((e) => e.fn.max('seq').as('s'))
    .whereRef('case_events.case_id', '=', 'cases.id')
    .as('last_seq');
}

/** How many chargeback-stage disputes the payment has, as the column `chargebacks` of a query on `payments`. */
export function chargebackCount(eb: ExpressionBuilder<DB, 'payments'>) {
  return eb
    .selectFrom('disputes')
    .select((d) => d.fn.countAll().as('n'))
    .whereRef('disputes.payment_id', '=', 'payments.id')
    .where('disputes.stage', 'in', CHARGEBACK_STAGES)
    .as('chargebacks');
}

/** A payment row, its case's id and its `chargebackCount`, as the facts `eligibility` decides on. */
export function eligibilityFacts(
  p: Pick<PaymentRow, 'provider' | 'status' | 'amount' | 'refunded_amount' | 'paid_at' | 'merchant_id'> & {
    case_id: string | null;
    chargebacks: unknown;
  },
): EligibilityFacts {
  return {
    provider: p.provider,
    status: p.status,
    amount: p.amount,
    refundedAmount: p.refunded_amount,
    paidAt: p.paid_at,
    merchantId: p.merchant_id,
    hasCase: p.case_id !== null,
    disputed: Number(p.chargebacks) > 0,
  };
}

/** The hash of the case's last event (SPEC §13's chain), as the column `last_hash`: one index seek on (case_id, seq). */
function lastHashColumn(eb: ExpressionBuilder<DB, 'cases'>) {
  return eb
    .selectFrom('case_events')
    .select('case_events.hash')
    .whereRef('case_events.case_id', '=', 'cases.id')
    .orderBy('case_events.seq', 'desc')
    .limit(1)
    .as('last_hash');
}

export function parseState(row: Pick<CaseRow, 'state'>): CaseState {
  return JSON.parse(row.state) as CaseState;
}

export interface OpenCaseInput {
  paymentId: string;
  issueType: IssueType;
  description: string;
  attachmentIds: string[];
}

/**
 * The write path's fixed reads, compiled once per service, i.e. per database (see
 * db/prepared.ts). Each change reads in as few statements as it can: on PostgreSQL every
 * statement is a round trip.
 */
function writePathReads() {
  return {
    /** A case's payment and the names its views show (the assignee's as the case stood before the change). */
    paymentAndNames: prepare((db: Kysely<DB>, id: string, assigneeId: string | null) =>
      db
        .selectFrom('payments')
        .innerJoin('users as customer', 'customer.id', 'payments.customer_id')
        .innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
        .leftJoin('users as assignee', (join) => join.on('assignee.id', '=', assigneeId))
        .selectAll('payments')
        .select(['customer.name as customer_name', 'merchants.name as merchant_name', 'assignee.name as assignee_name'])
        .where('payments.id', '=', id),
    ),
    /**
     * A payment, the id of its case if it has one, whether a chargeback is recorded on it, the
     * names a new case's views show and its merchant's settings: all an opening reads.
     */
    paymentAndCase: prepare((db: Kysely<DB>, id: string) =>
      db
        .selectFrom('payments')
        .innerJoin('users as customer', 'customer.id', 'payments.customer_id')
        .innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
        .leftJoin('cases', 'cases.payment_id', 'payments.id')
        .leftJoin('merchant_settings', 'merchant_settings.merchant_id', 'payments.merchant_id')
        .selectAll('payments')
        .select(['cases.id as case_id', 'customer.name as customer_name', 'merchants.name as merchant_name'])
        .select('merchant_settings.settings as merchant_settings')
        .select(chargebackCount)
        .where('payments.id', '=', id),
    ),
    /** PostgreSQL: the case's row lock, held to the end of the transaction. */
    lockCase: prepare((db: Kysely<DB>, id: string) => db.selectFrom('cases').select('id').where('id', '=', id).forUpdate()),
    /** A case and the seq and hash of its last event (the transaction's lock on the case keeps them current). */
    caseAndLastSeq: prepare((db: Kysely<DB>, id: string) =>
      db.selectFrom('cases').selectAll('cases').select(lastSeqColumn).select(lastHashColumn).where('cases.id', '=', id),
    ),
    /** The compare-and-set, with the values in CASE_PATCH's order, then the id and the version it expects: a row back if it applied. */
    updateCase: prepare((db: Kysely<DB>, ...v: unknown[]) =>
      db
        .updateTable('cases')
        .set(Object.fromEntries(CASE_PATCH.map((k, i) => [k, v[i]])) as Partial<CaseRow>)
        .where('id', '=', v[CASE_PATCH.length] as string)
        .where('version', '=', v[CASE_PATCH.length + 1] as number)
        .returning('id'),
    ),
    /** A change's one outbox row (the usual kind: its mails), the values in OUTBOX_COLUMNS' order. */
    insertOutbox: prepare((db: Kysely<DB>, ...v: unknown[]) =>
      db.insertInto('outbox').values(Object.fromEntries(OUTBOX_COLUMNS.map((k, i) => [k, v[i]])) as ReturnType<typeof outboxRow>),
    ),
    /** The names a view of the case shows (its webhook event's, the action's answer): primary keys only. */
    names: prepare((db: Kysely<DB>, customerId: string, merchantId: string, assigneeId: string | null) =>
      db
        .selectFrom('users as customer')
        .crossJoin('merchants')
        .leftJoin('users as assignee', (join) => join.on('assignee.id', '=', assigneeId))
        .select(['customer.name as customer_name', 'merchants.name as merchant_name', 'assignee.name as assignee_name'])
        .where('customer.id', '=', customerId)
        .where('merchants.id', '=', merchantId),
    ),
    /** A new case, the values in CASE_COLUMNS' order. */
    insertCase: prepare((db: Kysely<DB>, ...v: unknown[]) =>
      db.insertInto('cases').values(Object.fromEntries(CASE_COLUMNS.map((k, i) => [k, v[i]])) as CaseRow),
    ),
    /** A change of one event (the usual kind), the values in EVENT_COLUMNS' order. */
    insertEvent: prepare((db: Kysely<DB>, ...v: unknown[]) =>
      db.insertInto('case_events').values(Object.fromEntries(EVENT_COLUMNS.map((k, i) => [k, v[i]])) as CaseEventRow),
    ),
  };
}

const CASE_PATCH = [
  'status',
  'due_at',
  'appeal_deadline',
  'final',
  'review_since',
  'remedy_failed',
  'assignee_id',
  'state',
  'first_response_at',
  'version',
  'updated_at',
] as const satisfies readonly (keyof CaseRow)[];

/** Every column of a case row (the fixed ones, then the patched ones): one missing from CaseRow's would not compile. */
const CASE_COLUMNS = [
  'id',
  'payment_id',
  'customer_id',
  'merchant_id',
  'issue_type',
  'description',
  'product_name',
  'created_at',
  ...CASE_PATCH,
] as const satisfies readonly (keyof CaseRow)[];
const _everyCaseColumn: Exclude<keyof CaseRow, (typeof CASE_COLUMNS)[number]> extends never ? true : never = true;

const OUTBOX_COLUMNS = [
  'kind',
  'case_id',
  'payload',
  'idempotency_key',
  'run_at',
  'last_error',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ReturnType<typeof outboxRow>)[];

const EVENT_COLUMNS = [
  'id',
  'case_id',
  'seq',
  'type',
  'actor_kind',
  'actor_id',
  'actor_name',
  'actor_via',
  'message',
  'attachments',
  'data',
  'visibility',
  'created_at',
  'hash',
] as const satisfies readonly (keyof CaseEventRow)[];

export class CaseService {
  private readonly listeners: ChangeListener[] = [];
  private readonly reads = writePathReads();
  private readonly dialect: Dialect;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly evidence: EvidenceClaimer = noEvidence,
  ) {
    this.dialect = dialectOf(db);
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private actorOf(viewer: Viewer, role: PartyRole): Actor {
    return { kind: role, id: viewer.userId, name: viewer.name, ...(viewer.via ? { via: viewer.via } : {}) };
  }

  async open(viewer: Viewer, input: OpenCaseInput): Promise<CaseChange> {
    if (input.attachmentIds.length > MAX_ATTACHMENTS) throw tooManyFiles();
    try {
      return await this.db.transaction().execute(async (trx) => {
        const now = this.clock.now();
        const [found] = await this.reads.paymentAndCase(trx, input.paymentId);
        if (!found || found.customer_id !== viewer.userId) throw notFound('payment');
        const { case_id: _case, chargebacks: _chargebacks, customer_name, merchant_name, merchant_settings, ...payment } = found;
        const reason = eligibility(eligibilityFacts(found), viewer.merchantIds, now, this.config.filingWindow);
        if (reason) throw new DomainError(reason, INELIGIBLE_MESSAGES[reason]);
        const caseId = newId('case');
        const attachments = await this.evidence.claim(trx, {
          userId: viewer.userId,
          uploadIds: input.attachmentIds,
          caseId,
          now,
        });
        const created = planCreate(this.actorOf(viewer, 'customer'), input.description, now, this.config.policy, attachments);
        const plan = this.autoAccept(created, payment, settingsOf(merchant_settings), now);
        const state = plan.events.reduce(apply, initialState());
        const at = now.toISOString();
        const row: CaseRow = {
          id: caseId,
          payment_id: payment.id,
          customer_id: payment.customer_id,
          merchant_id: payment.merchant_id,
          issue_type: input.issueType,
          description: input.description,
          product_name: payment.product_name,
          first_response_at: null,
          ...columnsOf(state),
          version: 1,
          created_at: at,
          updated_at: at,
        };
        await this.reads.insertCase(trx, ...CASE_COLUMNS.map((k) => row[k]));
        return this.appendChange(trx, row, null, state, plan, payment, { customer_name, merchant_name, assignee_name: null }, 0);
      });
    } catch (err) {
      // Two openings racing past the check: the unique payment_id decides.
      if (isUniqueViolation(err)) throw new DomainError('case_already_exists', INELIGIBLE_MESSAGES.case_already_exists);
      throw err;
    }
  }

  /**
   * SPEC §12: a case on a payment whose remaining amount is strictly below the merchant's
   * auto-refund threshold for its provider and currency is accepted at once on the
   * merchant's behalf, with the merchant's message, the rule named on the event.
   */
  private autoAccept(created: Plan, payment: PaymentRow, settings: MerchantSettings, now: Date): Plan {
    const facts = paymentFacts(payment);
    if (!below(remaining(facts), caseThreshold(settings, payment.provider, payment.currency))) return created;
    const state = created.events.reduce(apply, initialState());
    const accept = planSystem(
      state,
      { type: 'accept_for_merchant', actor: SYSTEM, message: settings.autoRefund.message, rule: 'auto_refund' },
      now,
      this.config.policy,
      facts,
    );
    return accept ? { events: [...created.events, ...accept.events], effects: [...created.effects, ...accept.effects] } : created;
  }

  /** A person's action (SPEC §4). */
  async act(
    viewer: Viewer,
    caseId: string,
    input: ActionInput & { attachmentIds: string[]; expectedVersion?: number | undefined; assigneeId?: string | null | undefined },
  ) {
    if (input.attachmentIds.length > MAX_ATTACHMENTS) throw tooManyFiles();
    return this.mutate(caseId, input.expectedVersion, async (trx, row, state, payment, now) => {
      const role = roleIn(viewer, row);
      if (!role) throw notFound('case');
      const attachments = await this.evidence.claim(trx, { userId: viewer.userId, uploadIds: input.attachmentIds, caseId, now });
      const assignee = input.type === 'assign' && role === 'staff' ? await this.assignee(trx, input.assigneeId) : undefined;
      return planAction(
        state,
        { role, actor: this.actorOf(viewer, role), now, policy: this.config.policy, payment: paymentFacts(payment) },
        { ...input, attachments, assignee },
      );
    });
  }

  /** SPEC §16: `assign`'s assigneeId names an enabled staff member, or null for nobody. */
  private async assignee(trx: Transaction<DB>, id: string | null | undefined): Promise<{ id: string; name: string } | null | undefined> {
    if (id === undefined || id === null) return id;
    const user = await trx
      .selectFrom('users')
      .select(['id', 'name'])
      .where('id', '=', id)
      .where('is_staff', '=', 1)
      .where('disabled', '=', 0)
      .executeTakeFirst();
    if (!user)
      throw new DomainError('validation_failed', 'The assignee must be a staff member.', [
        { path: 'assigneeId', message: 'Not a staff member' },
      ]);
    return user;
  }

  /**
   * The service's own transitions. A plan that no longer applies (someone acted
   * first) is a no-op (null); a lost race is planned again like a person's action.
   */
  async system(caseId: string, input: SystemInput): Promise<CaseRow | null> {
    const change = await this.mutate(caseId, undefined, (_trx, _row, state, payment, now) =>
      Promise.resolve(planSystem(state, input, now, this.config.policy, paymentFacts(payment))),
    );
    return change?.row ?? null;
  }

  /**
   * A system transition inside the caller's transaction, so that what caused it (a payment
   * report, a dispute) and what it does to the case commit together or not at all. A lost
   * race throws (see `isLostRace` in db/races.ts): the caller retries its whole transaction.
   */
  async systemIn(trx: Transaction<DB>, caseId: string, input: SystemInput): Promise<CaseRow | null> {
    const change = await this.mutateIn(trx, caseId, undefined, (_trx, _row, state, payment, now) =>
      Promise.resolve(planSystem(state, input, now, this.config.policy, paymentFacts(payment))),
    );
    return change?.row ?? null;
  }

  /**
   * A change that lost a race to another one on the same case is planned again on the case
   * as it now is (SPEC §4), in a new transaction, after a short random pause: it lands if
   * still allowed, and is refused with its own reason if not. A client that sent
   * `expectedVersion` asked not to act on a changed case: it hears `conflict`, never a retry.
   */
  private async mutate(
    caseId: string,
    expectedVersion: number | undefined,
    plan: (trx: Transaction<DB>, row: CaseRow, state: CaseState, payment: PaymentRow, now: Date) => Promise<Plan | null>,
  ): Promise<CaseChange | null> {
    return retryLostRaces(() => this.db.transaction().execute((trx) => this.mutateIn(trx, caseId, expectedVersion, plan)), {
      attempts: expectedVersion === undefined ? MAX_ATTEMPTS : 1,
      pauseMs: RETRY_PAUSE_MS,
      giveUp: (err) => (expectedVersion !== undefined || err instanceof LostRace ? conflict() : err),
    });
  }

  /** One attempt of a change, in the given transaction; whatever it wrote is rolled back if it throws. */
  private async mutateIn(
    trx: Transaction<DB>,
    caseId: string,
    expectedVersion: number | undefined,
    plan: (trx: Transaction<DB>, row: CaseRow, state: CaseState, payment: PaymentRow, now: Date) => Promise<Plan | null>,
  ): Promise<CaseChange | null> {
    // PostgreSQL: the writers of one case queue on its row here instead of racing to the
    // compare-and-set (SQLite has one writer already). The reads below start after the
    // wait, so they see what the previous holder committed (its events' seq included).
    if (this.dialect === 'postgres') await this.reads.lockCase(trx, caseId);
    const now = this.clock.now();
    const [found] = await this.reads.caseAndLastSeq(trx, caseId);
    if (!found) throw notFound('case');
    const { last_seq: lastSeq, last_hash: lastHash, ...row } = found;
    const [paid] = await this.reads.paymentAndNames(trx, row.payment_id, row.assignee_id);
    if (!paid) throw new Error(`Case ${caseId} has no payment ${row.payment_id}`);
    const { customer_name, merchant_name, assignee_name, ...payment } = paid;
    const before = parseState(row);
    const p = await plan(trx, row, before, payment, now);
    if (!p) return null;
    if (expectedVersion !== undefined && expectedVersion !== row.version)
      throw conflict(`The case is at version ${row.version}, not ${expectedVersion}: reload it.`);
    const after = p.events.reduce(apply, before);
    // The merchant's first answer (insights' first-response time), set once.
    const firstResponse = row.first_response_at ?? p.events.find((e) => e.actor.kind === 'merchant')?.createdAt ?? null;
    const columns = { ...columnsOf(after), first_response_at: firstResponse };
    const next: CaseRow = { ...row, ...columns, version: row.version + 1, updated_at: now.toISOString() };
    const applied = await this.reads.updateCase(trx, ...CASE_PATCH.map((k) => next[k]), caseId, row.version);
    if (applied.length === 0) throw new LostRace();
    // An action that changed the assignee shows the new one's name.
    const names = next.assignee_id === row.assignee_id ? { customer_name, merchant_name, assignee_name } : null;
    return this.appendChange(trx, next, before, after, p, payment, names, Number(lastSeq ?? 0), lastHash);
  }

  /**
   * Writes a planned change's events (hash-chained), ledger, outbox and listener rows inside the
   * caller's transaction; committing is the caller's (`mutate`, `open`). Returns the change as written.
   */
  private async appendChange(
    trx: Transaction<DB>,
    row: CaseRow,
    before: CaseState | null,
    after: CaseState,
    plan: Plan,
    payment: PaymentRow,
    known: CaseNames | null,
    lastSeq: number,
    lastHash: string | null = null,
  ): Promise<CaseChange> {
    let previous = lastHash ?? genesisHash(row.id);
    const rows = plan.events.map((e, i) => {
      const stored = {
        id: newId('evt'),
        case_id: row.id,
        seq: lastSeq + i + 1,
        type: e.type,
        actor_kind: e.actor.kind,
        actor_id: e.actor.id,
        actor_name: e.actor.name,
        actor_via: e.actor.via ?? null,
        message: e.message,
        attachments: JSON.stringify(e.attachments),
        data: JSON.stringify(e.data),
        visibility: e.visibility,
        created_at: e.createdAt,
      };
      // Hashed from the row as stored, the way `main.ts check` recomputes it (SPEC §13).
      previous = eventHash(previous, chainedRow(stored));
      return { ...stored, hash: previous };
    });
    const [only] = rows;
    if (only && rows.length === 1) await this.reads.insertEvent(trx, ...EVENT_COLUMNS.map((k) => only[k]));
    else await trx.insertInto('case_events').values(rows).execute();
    const events = plan.events.map((e, i) => {
      const r = rows[i] as (typeof rows)[number];
      return { ...e, id: r.id, seq: r.seq, hash: r.hash };
    });
    const [names] = known ? [known] : await this.reads.names(trx, row.customer_id, row.merchant_id, row.assignee_id);
    if (!names) throw new Error(`Case ${row.id}: its customer or merchant is missing`);
    const now = this.clock.now();
    const outbox: OutboxMessage[] = [];
    let paid = payment;
    for (const effect of plan.effects) {
      const o = await this.runEffect(trx, row, paid, effect, now);
      paid = o.payment;
      outbox.push(...o.outbox);
    }
    const change: CaseChange = { row, before, after, events, stored: rows, payment: paid, names };
    for (const listener of this.listeners) outbox.push(...(await listener(trx, change)));
    const [one] = outbox;
    if (one && outbox.length === 1) {
      const r = outboxRow(one, now);
      await this.reads.insertOutbox(trx, ...OUTBOX_COLUMNS.map((k) => r[k]));
    } else await enqueue(trx, now, outbox);
    return change;
  }

  private async runEffect(
    trx: Transaction<DB>,
    row: CaseRow,
    payment: PaymentRow,
    effect: Effect,
    now: Date,
  ): Promise<{ payment: PaymentRow; outbox: OutboxMessage[] }> {
    switch (effect.kind) {
      case 'refund':
        return {
          payment,
          outbox: [
            {
              kind: 'remedy',
              caseId: row.id,
              payload: { caseId: row.id, amount: effect.amount, currency: effect.currency },
              // One key per case: a retry, even by staff, can never pay twice (SPEC §5).
              idempotencyKey: `rc-refund-${row.id}`,
            },
          ],
        };
      case 'credit': {
        await trx
          .insertInto('credit_entries')
          .values({
            id: newId('cre'),
            customer_id: row.customer_id,
            case_id: row.id,
            currency: effect.currency,
            amount: effect.amount,
            created_at: now.toISOString(),
          })
          .execute();
        const credited = payment.credited_amount + effect.amount;
        const over = overRefunded(payment.amount, payment.refunded_amount, credited);
        await trx
          .updateTable('payments')
          .set({ credited_amount: credited, over_refunded: over, updated_at: now.toISOString() })
          .where('id', '=', payment.id)
          .execute();
        return { payment: { ...payment, credited_amount: credited, over_refunded: over }, outbox: [] };
      }
      case 'payment_refunded': {
        // Never capped (SPEC §11): what the provider refunded is a fact; `check` and the queue flag an excess.
        const refunded = payment.refunded_amount + effect.amount;
        const status = refunded >= payment.amount ? 'refunded' : 'partially_refunded';
        const over = overRefunded(payment.amount, refunded, payment.credited_amount);
        await trx
          .updateTable('payments')
          .set({ refunded_amount: refunded, status, over_refunded: over, updated_at: now.toISOString() })
          .where('id', '=', payment.id)
          .execute();
        return { payment: { ...payment, refunded_amount: refunded, status, over_refunded: over }, outbox: [] };
      }
    }
  }
}

/** 1 when refunds and credits together exceed what was paid (only money moved outside can do that). */
export function overRefunded(amount: number, refunded: number, credited: number): number {
  return refunded + credited > amount ? 1 : 0;
}

/** Attempts of one change before a lost race is answered `conflict` (SPEC §4: "a few times"). */
const MAX_ATTEMPTS = 5;
/** The first retry waits up to this long, each further one up to twice as long (jitter: racers spread out). */
const RETRY_PAUSE_MS = 10;

function tooManyFiles() {
  return new DomainError('too_many_files', `At most ${MAX_ATTACHMENTS} files per submission.`, [
    { path: 'attachmentIds', message: `At most ${MAX_ATTACHMENTS}` },
  ]);
}

/** The indexed columns that mirror the state, plus the state itself. */
function columnsOf(s: CaseState) {
  return {
    status: s.status,
    due_at: s.dueAt,
    appeal_deadline: s.final ? null : s.appealDeadline,
    final: s.final ? 1 : 0,
    review_since: s.status === 'under_platform_review' ? s.reviewSince : null,
    remedy_failed: s.outcome?.execution === 'failed' ? 1 : 0,
    assignee_id: s.assigneeId ?? null,
    state: JSON.stringify(s),
  };
}
