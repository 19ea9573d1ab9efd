/**
 * Property tests of the pure domain: random sequences of people's actions (by
 * random roles, with valid input) and system inputs, with random clock
 * advances, applied through planAction/planSystem + apply the way the write
 * path applies them. Invariants from SPEC §3–§6 are checked after every step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CaseState, remaining, turnOf } from '../src/domain/case.js';
import { ACTIONS, type ActionInput, availableActions, refusal } from '../src/domain/case-actions.js';
import { type SystemInput } from '../src/domain/case-system.js';
import { DomainError } from '../src/domain/errors.js';
import { type DecisionOutcome, type PeopleActionType, DECISION_OUTCOMES, PEOPLE_ACTIONS, isOpen } from '../src/domain/model.js';
import { ACTORS, DAY, HOUR, Sim } from './support/case-sim.js';

type Column = keyof typeof ACTORS;

type Step =
  | {
      kind: 'act';
      column: Column;
      type: PeopleActionType;
      /** Most steps take one of the actions on offer (so runs get deep); the rest try anything. */
      offered: boolean;
      choice: number;
      fraction: number;
      outcome: DecisionOutcome;
      withAmount: boolean;
    }
  | { kind: 'sys'; input: SystemInput }
  | { kind: 'advance'; ms: number };

const unit = fc.integer({ min: 0, max: 9_999 }).map((n) => n / 10_000);
const column = fc.constantFrom<Column>('customer', 'merchant', 'staff', 'staff2');
// Unbiased: fast-check's bias towards first options would keep most runs replying in merchant_response_needed.
const step: fc.Arbitrary<Step> = fc.noBias(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('act' as const),
        column,
        type: fc.constantFrom(...PEOPLE_ACTIONS),
        offered: fc.nat(3).map((n) => n > 0),
        // Uniform fractions (fc.double is uniform over bit patterns, so nearly always tiny).
        choice: unit,
        fraction: unit,
        outcome: fc.constantFrom(...DECISION_OUTCOMES),
        withAmount: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('sys' as const),
        // The platform's reports end a case, so they come rarely; the service's own inputs often.
        input: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom<SystemInput>({ type: 'expire' }, { type: 'finalize' }) },
          {
            weight: 4,
            arbitrary: fc.constantFrom<SystemInput>(
              { type: 'refund_succeeded', provider: 'simulated', refundId: 're_1', simulated: true },
              { type: 'refund_failed', provider: 'stripe', error: 'card_declined' },
            ),
          },
          { weight: 1, arbitrary: fc.constantFrom<SystemInput>({ type: 'refunded_elsewhere' }, { type: 'chargeback' }) },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        ms: fc.constantFrom(0, 1, HOUR, DAY, 2 * DAY - 1, 3 * DAY, 7 * DAY, 10 * DAY),
      }),
    },
  ),
);

const scenario = fc.record({
  amount: fc.integer({ min: 2, max: 1_000_000 }),
  refundedFraction: fc.oneof(fc.constant(0), unit),
  steps: fc.array(step, { minLength: 1, maxLength: 30, size: 'max' }),
});

const COLUMNS: Column[] = ['customer', 'merchant', 'staff', 'staff2'];
const roleOf = (c: Column) => (c === 'staff2' ? 'staff' : c);

/**
 * Who acts and how: most steps take one of the actions on offer to anyone (so
 * runs get deep; withdraw, notes and staff replies aside, which end runs early
 * or change nothing), the rest try any action as the step's column.
 */
function pick(st: Extract<Step, { kind: 'act' }>, state: CaseState, now: Date): { column: Column; type: PeopleActionType } {
  if (st.offered) {
    const moves = COLUMNS.flatMap((column) =>
      availableActions(state, { role: roleOf(column), actor: ACTORS[column], now })
        .filter((type) => type !== 'withdraw' && type !== 'note' && !(type === 'respond' && roleOf(column) === 'staff'))
        .map((type) => ({ column, type })),
    );
    if (moves.length > 0) return moves[Math.floor(st.choice * moves.length)]!;
  }
  return { column: st.column, type: st.type };
}

/** Valid input for `type` in any state that allows it: amounts in range of what is left. */
function inputFor(
  s: { type: PeopleActionType; fraction: number; outcome: DecisionOutcome; withAmount: boolean },
  left: number,
): ActionInput {
  const input: ActionInput = { type: s.type, message: `msg ${s.type}` };
  if (s.type === 'offer_partial_refund') input.amount = 1 + Math.floor(s.fraction * (left - 2));
  if (s.type === 'decide') {
    input.outcome = s.outcome;
    if (s.withAmount) input.amount = 1 + Math.floor(s.fraction * (left - 1));
  }
  if (s.type === 'assign') input.assignee = s.withAmount ? { id: 'staff2', name: 'Stan' } : null;
  return input;
}

/** Invariants that hold in every reachable state (SPEC §3, §4). */
function checkState(s: CaseState, now: Date) {
  const open = isOpen(s.status);
  // Deadlines only on open statuses with a turn for a party, always in the future of their setting.
  const partyTurn = open && s.status !== 'under_platform_review';
  expect(s.dueAt !== null, `dueAt in ${s.status}`).toBe(partyTurn);
  expect(turnOf(s.status) === null).toBe(!open);
  if (open) expect(s.final).toBe(false);
  if (open) expect(s.outcome).toBeNull();
  // Every closing names an outcome, except a withdrawal, which has none.
  if (!open && s.status !== 'customer_withdrew') expect(s.outcome).not.toBeNull();
  if (s.offer) expect(s.status).toBe('customer_response_needed');
  if (!open && !s.final) {
    // The appeal window: only after a first staff decision.
    expect(s.decisions).toBe(1);
    expect(s.appealDeadline).not.toBeNull();
  }
  expect(s.decisions).toBeLessThanOrEqual(2);
  expect(Number(s.customerAppealed) + Number(s.merchantAppealed)).toBeLessThanOrEqual(1);
  expect(s.infoRequestsUsed).toBeLessThanOrEqual(2);
  if (s.status === 'under_platform_review') expect(s.reviewSince! <= now.toISOString()).toBe(true);
}

describe('the domain under random sequences (fast-check)', () => {
  it('never leaves the table and keeps its invariants', () => {
    fc.assert(
      fc.property(scenario, ({ amount, refundedFraction, steps }) => {
        const initiallyRefunded = Math.min(amount - 2, Math.floor(amount * refundedFraction));
        const sim = new Sim(amount, initiallyRefunded);
        const budget = amount - initiallyRefunded;
        let frozen: { status: string; amount: number; kind: string } | null = null;
        for (const st of steps) {
          const before = sim.state;
          const eventsBefore = sim.events.length;
          if (st.kind === 'advance') {
            sim.advance(st.ms);
            continue;
          }
          if (st.kind === 'sys') {
            if (st.input.type === 'refunded_elsewhere') {
              // The platform reports the payment refunded in full (outside the Resolution Center).
              if (isOpen(before.status) || !before.final) sim.payment = { ...sim.payment, refundedAmount: sim.payment.amount };
              else continue;
            }
            const plan = sim.sys(st.input);
            if (plan) for (const e of plan.events) expect(e.actor.kind).toBe('system');
          } else {
            const { column, type } = pick(st, before, sim.now);
            const role = roleOf(column);
            const ctx = { role, actor: ACTORS[column], now: sim.now } as const;
            const available = availableActions(before, ctx);
            const input = inputFor({ ...st, type }, remaining(sim.payment));
            let error: unknown = null;
            try {
              sim.act(role, input, ACTORS[column]);
            } catch (err) {
              error = err;
            }
            if (available.includes(type)) {
              // Everything offered is accepted given valid input.
              expect(error, `${type} by ${column} in ${before.status}`).toBeNull();
            } else {
              // Everything else is refused with the reason refusal() names, and nothing changes.
              expect(error).toBeInstanceOf(DomainError);
              const why = refusal(before, type, ctx)!;
              expect(why).not.toBeNull();
              expect((error as DomainError).code).toBe(why.code);
              expect(sim.state).toBe(before);
              expect(sim.events.length).toBe(eventsBefore);
            }
          }
          const s = sim.state;
          checkState(s, sim.now);
          const added = sim.events.slice(eventsBefore);
          // The status is derived from the events: the last status-carrying event names it.
          const lastStatus = [...sim.events].reverse().find((e) => e.data.status !== undefined)!;
          expect(lastStatus.data.status).toBe(s.status);
          // A new deadline lies after the event that sets it.
          for (const e of added) if (e.data.dueAt) expect(e.data.dueAt > e.createdAt).toBe(true);
          // Escalations, passed deadlines and closings say why (SPEC §6).
          for (const e of added)
            if (e.type === 'escalated' || e.type === 'deadline_passed' || (e.data.status && !isOpen(e.data.status)))
              expect(e.data.reason, e.type).toBeDefined();
          // A final case never changes status or outcome amount again; its outcome kind only
          // changes when a failed refund is replaced by a credit (credit_instead).
          if (frozen) {
            expect(s.status).toBe(frozen.status);
            // SPEC §11: a full refund elsewhere or a chargeback cancels what a final case still owed.
            const cancelled = added.some((e) => e.type === 'remedy_cancelled');
            if (!cancelled) expect(s.outcome?.amount ?? 0).toBe(frozen.amount);
            if ((s.outcome?.kind ?? 'none') !== frozen.kind && !cancelled) {
              expect(added.map((e) => e.type)).toEqual(['credit_issued']);
              expect(s.outcome?.kind).toBe('credit');
            }
          }
          if (s.final) frozen = { status: s.status, amount: s.outcome?.amount ?? 0, kind: s.outcome?.kind ?? 'none' };
        }
        // Money: the Resolution Center never pays out more than was left of the payment,
        // and at most one remedy ever moves money (a retry or a credit replaces a failure).
        const paid = sim.effects.filter((e) => e.kind === 'payment_refunded' || e.kind === 'credit');
        expect(paid.reduce((n, e) => n + e.amount, 0)).toBeLessThanOrEqual(budget);
        expect(paid.length).toBeLessThanOrEqual(1);
        expect(sim.events.filter((e) => e.type === 'appealed').length).toBeLessThanOrEqual(1);
        expect(sim.events.filter((e) => e.type === 'decided').length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 200 },
    );
  });

  it('lands every accepted action where the transition table says', () => {
    // Destinations the table leaves open (`to: null`): these move by their input or the case; the rest stay.
    const moving: readonly PeopleActionType[] = ['respond', 'decide'];
    fc.assert(
      fc.property(scenario, ({ amount, steps }) => {
        const sim = new Sim(amount);
        for (const st of steps) {
          if (st.kind === 'advance') sim.advance(st.ms);
          else if (st.kind === 'sys') sim.sys(st.input);
          else {
            const { column, type } = pick(st, sim.state, sim.now);
            const before = sim.state.status;
            try {
              sim.act(roleOf(column), inputFor({ ...st, type }, remaining(sim.payment)), ACTORS[column]);
            } catch {
              continue;
            }
            const to = ACTIONS[type].to;
            if (to !== null) expect(sim.state.status, `${type} from ${before}`).toBe(to);
            else if (!moving.includes(type)) expect(sim.state.status, `${type} from ${before}`).toBe(before);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reaches every status (the generator is not stuck in a corner)', () => {
    const seen = new Map<string, number>();
    const see = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    fc.assert(
      fc.property(scenario, ({ amount, steps }) => {
        const sim = new Sim(amount);
        for (const st of steps) {
          if (st.kind === 'advance') sim.advance(st.ms);
          else if (st.kind === 'sys') sim.sys(st.input);
          else {
            const { column, type } = pick(st, sim.state, sim.now);
            try {
              sim.act(roleOf(column), inputFor({ ...st, type }, remaining(sim.payment)), ACTORS[column]);
            } catch {
              // refused: fine here
            }
          }
          see(sim.state.status);
          if (sim.state.inAppeal) see('in_appeal');
          if (sim.state.outcome?.execution === 'failed') see('remedy_failed');
        }
      }),
      // A fixed seed: this checks the generator's reach, which must not flake.
      { numRuns: 200, seed: 20261126 },
    );
    expect([...seen.keys()].sort()).toEqual(
      [
        'chargeback_filed',
        'customer_info_needed',
        'customer_response_needed',
        'customer_withdrew',
        'customer_won',
        'in_appeal',
        'merchant_info_needed',
        'merchant_response_needed',
        'merchant_won',
        'remedy_failed',
        'under_platform_review',
      ].sort(),
    );
  });
});
