/**
 * Property test of the one write path over real HTTP and a real database:
 * random short sequences of people's actions, clock advances (deadlines,
 * finalisation, remedies run by the worker) and platform reports on a fresh
 * case each run, with refunds made elsewhere. After every step and at the end of each run the stored case
 * must agree with its own timeline (SPEC §4 concurrency, §5 money, §6 timeline).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECISION_OUTCOMES, PEOPLE_ACTIONS, type DecisionOutcome, type PeopleActionType } from '../src/domain/model.js';
import { checkInvariants } from '../src/ops/invariants.js';
import { PermanentError } from '../src/outbox/outbox.js';
import type { PaymentProvider, RefundRequest } from '../src/payments/provider.js';
import { DAY, useWorld } from './support/world.js';

/**
 * A provider that keeps its own books, as Stripe does: one refund per idempotency key,
 * whatever the retries. A payment whose id says `refusing` is refused (permanently) on
 * its first request, so staff's retry_remedy and credit_instead get their turn.
 */
class LedgerProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly simulated = true;
  readonly refunds = new Map<string, { providerPaymentId: string; amount: number }>();
  private readonly refused = new Set<string>();

  refund(req: RefundRequest): Promise<{ refundId: string }> {
    if (req.providerPaymentId.includes('refusing') && !this.refused.has(req.idempotencyKey)) {
      this.refused.add(req.idempotencyKey);
      return Promise.reject(new PermanentError('charge_disputed'));
    }
    if (!this.refunds.has(req.idempotencyKey))
      this.refunds.set(req.idempotencyKey, { providerPaymentId: req.providerPaymentId, amount: req.amount });
    return Promise.resolve({ refundId: `re_${req.idempotencyKey}` });
  }

  /** What this provider paid back on one payment, over every key. */
  paidOn(providerPaymentId: string): number {
    return [...this.refunds.values()].filter((r) => r.providerPaymentId === providerPaymentId).reduce((n, r) => n + r.amount, 0);
  }
}

const provider = new LedgerProvider();
// Runs move the clock by months in all; the world's sessions must outlive them.
const { t, w } = useWorld({ env: { SESSION_TTL: 'P100Y' }, parts: { providers: { stripe: provider } } });

type Caller = 'customer' | 'merchant' | 'staff' | 'staff2';
type Step =
  | {
      kind: 'act';
      caller: Caller;
      /** Most steps take an action the caller is offered; the rest try any action. */
      offered: boolean;
      type: PeopleActionType;
      choice: number;
      fraction: number;
      outcome: DecisionOutcome;
      withAmount: boolean;
    }
  | { kind: 'advance'; by: string }
  /** `partial`: the merchant refunds `fraction` of what is left at the provider, outside the Resolution Center. */
  | { kind: 'report'; what: 'chargeback' | 'refunded' | 'partial'; fraction: number };

const unit = fc.integer({ min: 0, max: 9_999 }).map((n) => n / 10_000);
const step: fc.Arbitrary<Step> = fc.noBias(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('act' as const),
        caller: fc.constantFrom<Caller>('customer', 'merchant', 'staff', 'staff2'),
        offered: fc.nat(4).map((n) => n > 0),
        type: fc.constantFrom(...PEOPLE_ACTIONS),
        choice: unit,
        fraction: unit,
        outcome: fc.constantFrom(...DECISION_OUTCOMES),
        withAmount: fc.boolean(),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), by: fc.constantFrom('PT1M', 'P3D', 'P7D', 'P8D', 'P8D') }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('report' as const),
        what: fc.constantFrom('chargeback' as const, 'refunded' as const, 'partial' as const, 'partial' as const),
        fraction: unit,
      }),
    },
  ),
);

const run = fc.record({
  amount: fc.integer({ min: 2, max: 500_000 }),
  refusing: fc.boolean(),
  // Where a run starts: short runs reach staff review and appeals only from a head start.
  // A credit's finalisation is the one change that appends two events (finalized, credit_issued).
  start: fc.constantFrom<'opened' | 'review' | DecisionOutcome>('opened', 'review', 'merchant_wins', 'refund', 'credit', 'credit'),
  steps: fc.array(step, { minLength: 1, maxLength: 8, size: 'max' }),
});

/** Moves the service's clock and returns the new time (the worker runs what came due). */
async function advance(by: string): Promise<number> {
  const r = await t.api('POST', '/api/v1/platform/dev/clock', { token: w.platform, body: { advance: by } });
  expect(r.status).toBe(200);
  return Date.parse(r.body.now);
}

/** The stored case agrees with its own timeline (read as staff, who sees every event). */
function checkTimeline(c: any) {
  const seqs = c.timeline.map((e: any) => e.seq);
  expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
  const lastStatus = [...c.timeline].reverse().find((e: any) => e.data.status !== undefined);
  expect(lastStatus.data.status).toBe(c.status);
  // One committed change = one version, each appending its events together: the events a
  // change adds after its first are the credit a final decision issues at once, and a cancellation's.
  // A cancellation (SPEC §11) comes with the finalisation or the chargeback that causes it.
  // (A cancellation for a full refund elsewhere is a change of its own: only one whose reason is
  // the chargeback shares the chargeback's change.)
  const follows = (e: any, i: number, type: string, after: string[]) => e.type === type && after.includes(c.timeline[i - 1]?.type);
  const changes = c.timeline.filter(
    (e: any, i: number) =>
      !follows(e, i, 'credit_issued', ['accepted', 'offer_accepted', 'decided', 'finalized']) &&
      !follows(e, i, 'remedy_cancelled', ['finalized']) &&
      !(follows(e, i, 'chargeback_filed', ['remedy_cancelled']) && c.timeline[i - 1].data.reason === 'chargeback'),
  ).length;
  expect(c.version).toBe(changes);
}

// Thirty runs of up to eight steps over HTTP: about 15 s on PostgreSQL, twice that on a busy machine.
describe('the write path under random sequences (fast-check, real HTTP and database)', { timeout: 180_000 }, () => {
  it('keeps every case consistent with its timeline, final cases final, and money within the payment', async () => {
    const tokenOf = (c: Caller) => w.tokens[c];
    let now = await advance('PT0S');
    const eventTypes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(run, async ({ amount, refusing, start, steps }) => {
        const providerPaymentId = `pi_${refusing ? 'refusing' : 'ok'}_${Math.random().toString(36).slice(2, 10)}`;
        const opened = await w.openCase({ amount, providerPaymentId, paidAt: new Date(now - DAY).toISOString() });
        const id: string = opened.id;
        const paymentId: string = opened.payment.id;
        const get = async (caller: Caller) => {
          const r = await t.api('GET', `/api/v1/cases/${id}`, { token: tokenOf(caller) });
          expect(r.status).toBe(200);
          return r.body;
        };
        if (start !== 'opened') {
          expect((await w.act(w.tokens.merchant, id, { type: 'deny', message: 'Delivered.' })).status).toBe(200);
          expect((await w.act(w.tokens.customer, id, { type: 'escalate' })).status).toBe(200);
          if (start !== 'review')
            expect((await w.act(w.tokens.staff, id, { type: 'decide', outcome: start, message: 'Decided.' })).status).toBe(200);
        }
        let before = await get('staff');
        let frozen: string | null = null;
        /** Refunded outside the Resolution Center, as the platform reported it. */
        let elsewhere = 0;
        for (const st of steps) {
          if (st.kind === 'advance') now = await advance(st.by);
          else if (st.kind === 'report') {
            if (st.what === 'chargeback') {
              const r = await t.api('POST', `/api/v1/platform/payments/${paymentId}/chargeback`, { token: w.platform });
              expect(r.status).toBeLessThan(500);
            } else {
              // The merchant refunds outside, never more than the provider still holds (a provider refuses
              // more); the platform reports the provider's total, which includes the refunds made here.
              const p = (await t.api('GET', `/api/v1/platform/payments/${paymentId}`, { token: w.platform })).body;
              // (A refund outside after a credit is money moved outside the service's control: it is
              // recorded and flagged, see test/payment-truth.test.ts, and left out of this property.)
              const atProvider = amount - p.refundedAmount - p.creditedAmount;
              const x = st.what === 'refunded' ? atProvider : Math.floor(st.fraction * atProvider);
              if (x > 0 && (st.what === 'partial' || p.creditedAmount === 0)) {
                const total = p.refundedAmount + x;
                const r = await t.api('PUT', `/api/v1/platform/payments/${paymentId}`, {
                  token: w.platform,
                  body: {
                    customerId: 'cust',
                    merchantId: 'shop',
                    amount,
                    currency: 'USD',
                    provider: 'stripe',
                    providerPaymentId,
                    status: total >= amount ? 'refunded' : 'partially_refunded',
                    refundedAmount: total,
                    productName: 'Course',
                    paidAt: opened.payment.paidAt,
                  },
                });
                expect(r.status, JSON.stringify(r.body)).toBe(200);
                elsewhere += x;
              }
            }
          } else {
            const view = await get(st.caller);
            const offered: PeopleActionType[] = view.availableActions.filter((a: string) => a !== 'withdraw');
            const type = st.offered && offered.length > 0 ? offered[Math.floor(st.choice * offered.length)]! : st.type;
            const left = view.payment.amount - view.payment.refundedAmount;
            if (left <= 0) continue;
            const body: Record<string, unknown> = { type, message: `Step ${type}`, expectedVersion: view.version };
            // Amounts in range of what is left (at least 1, so a refusal is about the case, not the schema).
            if (type === 'offer_partial_refund') body.amount = Math.max(1, 1 + Math.floor(st.fraction * (left - 2)));
            if (type === 'decide') {
              body.outcome = st.outcome;
              if (st.withAmount) body.amount = Math.max(1, 1 + Math.floor(st.fraction * (left - 1)));
            }
            // A real staff member (SPEC §16), or nobody.
            if (type === 'assign') body.assigneeId = st.withAmount ? 'staff2' : null;
            const r = await w.act(tokenOf(st.caller), id, body);
            if (view.availableActions.includes(type)) {
              // What the caller is offered is accepted, as one change.
              expect(r.status, `${type} by ${st.caller} in ${view.status}: ${JSON.stringify(r.body)}`).toBe(200);
              expect(r.body.version).toBe(view.version + 1);
            } else {
              // Anything else is refused and stores nothing.
              expect([403, 409], `${type} by ${st.caller} in ${view.status}: ${JSON.stringify(r.body)}`).toContain(r.status);
              expect(['forbidden', 'action_not_allowed', 'limit_reached', 'same_reviewer', 'already_assigned']).toContain(r.body.code);
            }
          }
          const after = await get('staff');
          checkTimeline(after);
          // Nothing is ever rewritten: the timeline only grows.
          expect(after.timeline.slice(0, before.timeline.length)).toEqual(before.timeline);
          expect(after.version - before.version <= after.timeline.length - before.timeline.length).toBe(true);
          if (frozen) expect(after.status).toBe(frozen);
          if (after.final) frozen = after.status;
          // Deadlines only while a party has the turn.
          expect(after.dueAt !== null).toBe(after.turn === 'customer' || after.turn === 'merchant');
          before = after;
        }
        // Let the worker run remedies that came due, then count the money.
        now = await advance('PT1M');
        const end = await get('staff');
        checkTimeline(end);
        if (frozen) expect(end.status).toBe(frozen);
        const credits = await t.api('GET', '/api/v1/credits', { token: w.tokens.customer });
        expect(credits.status).toBe(200);
        const credited = credits.body.entries.filter((e: any) => e.caseId === id).reduce((n: number, e: any) => n + e.amount, 0);
        // The Resolution Center's own money, from the provider's books: refunds plus credits never
        // exceed the payment. (A refund the merchant makes outside, reported by the platform, is
        // beyond its control: the payment then shows the whole amount refunded.)
        for (const e of end.timeline) eventTypes.add(e.type);
        // SPEC §11: refunded here (from the provider's books) + refunded elsewhere + credited ≤ paid,
        // and the payment's column is exactly the two refunds, never capped.
        const paid = provider.paidOn(providerPaymentId);
        expect(credited + paid + elsewhere).toBeLessThanOrEqual(amount);
        expect(end.payment.refundedAmount).toBe(paid + elsewhere);
        if (end.final && end.outcome?.execution === 'succeeded' && ['refund', 'partial_refund'].includes(end.outcome.kind))
          expect(paid).toBe(end.outcome.amount);
        if (end.final && end.outcome?.kind === 'credit') expect(credited).toBe(end.outcome.amount);
        expect(await checkInvariants(t.app.services.db, t.app.services.clock.now())).toEqual([]);
      }),
      {
        numRuns: 30,
        endOnFailure: true,
        // Always run the changes that append two events: a credit finalised, a credit decided on appeal.
        examples: [
          // A refund refused, then cancelled by a full refund elsewhere, then a chargeback: three changes.
          [
            {
              amount: 121_491,
              refusing: true,
              start: 'refund',
              steps: [
                { kind: 'advance', by: 'P8D' },
                { kind: 'report', what: 'refunded', fraction: 0 },
                { kind: 'report', what: 'chargeback', fraction: 0 },
              ],
            },
          ],
          [{ amount: 5_000, refusing: false, start: 'credit', steps: [{ kind: 'advance', by: 'P8D' }] }],
          [
            {
              amount: 5_000,
              refusing: true,
              start: 'refund',
              steps: [
                { kind: 'advance', by: 'P8D' },
                {
                  kind: 'act',
                  caller: 'staff',
                  offered: false,
                  type: 'retry_remedy',
                  choice: 0,
                  fraction: 0,
                  outcome: 'refund',
                  withAmount: false,
                },
                { kind: 'advance', by: 'PT1M' },
              ],
            },
          ],
          [
            {
              amount: 5_000,
              refusing: false,
              start: 'merchant_wins',
              steps: [
                {
                  kind: 'act',
                  caller: 'customer',
                  offered: false,
                  type: 'appeal',
                  choice: 0,
                  fraction: 0,
                  outcome: 'refund',
                  withAmount: false,
                },
                {
                  kind: 'act',
                  caller: 'staff2',
                  offered: false,
                  type: 'decide',
                  choice: 0,
                  fraction: 0.5,
                  outcome: 'credit',
                  withAmount: true,
                },
              ],
            },
          ],
        ],
      },
    );
    // The runs went somewhere (the examples guarantee these): decisions, appeals, remedies.
    for (const type of ['decided', 'appealed', 'finalized', 'credit_issued', 'refund_failed', 'remedy_retried', 'refund_succeeded'])
      expect(eventTypes, type).toContain(type);
  });
});
