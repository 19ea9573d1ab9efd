/**
 * The pure domain against SPEC §2–§6: the transition table written out again
 * here from SPEC §4 (not derived from ACTIONS, so a wrong table fails), the
 * effect of every action and system input, eligibility and durations.
 */
import { describe, expect, it } from 'vitest';
import { type CaseState, turnOf } from '../src/domain/case.js';
import { type ActionInput, availableActions, planAction, refusal } from '../src/domain/case-actions.js';
import { DomainError } from '../src/domain/errors.js';
import { type EligibilityFacts, eligibility } from '../src/domain/eligibility.js';
import { type CaseStatus, type PartyRole, type PeopleActionType, PEOPLE_ACTIONS } from '../src/domain/model.js';
import { addDuration, parseDuration, subtractDuration } from '../src/domain/time.js';
import { ACTORS, DAY, HOUR, POLICY, Sim, T0, msg } from './support/case-sim.js';

type Column = PartyRole | 'staff2';
type A = PeopleActionType;

/** SPEC §4 "who": the roles that may ever take each action. */
const ROLE_MAY: Record<A, readonly PartyRole[]> = {
  respond: ['customer', 'merchant', 'staff'],
  accept: ['merchant'],
  deny: ['merchant'],
  request_more_info: ['merchant'],
  offer_partial_refund: ['merchant'],
  accept_offer: ['customer'],
  escalate: ['customer'],
  withdraw: ['customer'],
  request_customer_info: ['staff'],
  request_merchant_info: ['staff'],
  decide: ['staff'],
  appeal: ['customer', 'merchant'],
  note: ['staff'],
  retry_remedy: ['staff'],
  credit_instead: ['staff'],
  assign: ['staff'],
  claim: ['staff'],
};

interface Scenario {
  name: string;
  status: CaseStatus;
  build: () => Sim;
  /** Literally what each column may do in this case (SPEC §4), in any order. */
  allowed: Record<PartyRole, A[]> & { staff2?: A[] };
  /** Refusals whose code is not the default (`forbidden` for a role that never may, else `action_not_allowed`). */
  codes?: Partial<Record<Column, Partial<Record<A, [number, string]>>>>;
}

const NONE: A[] = [];
const PARTIES_NOTHING = { customer: NONE, merchant: NONE };

// Builders: each reaches its status the way people and the system would.
const fresh = () => new Sim();
const escalated = () => {
  const s = new Sim();
  s.act('merchant', msg('deny'));
  s.act('customer', { type: 'escalate' });
  return s;
};
const firstDecision = (outcome: 'refund' | 'merchant_wins' | 'credit') => {
  const s = escalated();
  s.act('staff', msg('decide', { outcome }));
  return s;
};
const appealDecision = (outcome: 'refund' | 'merchant_wins' | 'credit') => {
  const s = firstDecision('merchant_wins');
  s.act('customer', msg('appeal'));
  s.act('staff', msg('decide', { outcome }), ACTORS.staff2);
  return s;
};
const accepted = () => {
  const s = new Sim();
  s.act('merchant', { type: 'accept' });
  return s;
};

const SCENARIOS: Scenario[] = [
  {
    name: 'merchant_response_needed, just opened',
    status: 'merchant_response_needed',
    build: fresh,
    allowed: {
      customer: ['respond', 'withdraw'],
      merchant: ['respond', 'accept', 'deny', 'request_more_info', 'offer_partial_refund'],
      staff: ['respond', 'note'],
    },
  },
  {
    name: 'merchant_response_needed after two requests for more info',
    status: 'merchant_response_needed',
    build: () => {
      const s = new Sim();
      for (let i = 0; i < 2; i++) {
        s.act('merchant', msg('request_more_info'));
        s.act('customer', msg('respond'));
      }
      return s;
    },
    allowed: {
      customer: ['respond', 'withdraw'],
      merchant: ['respond', 'accept', 'deny', 'offer_partial_refund'],
      staff: ['respond', 'note'],
    },
    codes: { merchant: { request_more_info: [409, 'limit_reached'] } },
  },
  {
    name: 'customer_info_needed, asked by the merchant',
    status: 'customer_info_needed',
    build: () => {
      const s = new Sim();
      s.act('merchant', msg('request_more_info'));
      return s;
    },
    allowed: { customer: ['respond', 'withdraw'], merchant: ['respond'], staff: ['respond', 'note'] },
  },
  {
    name: 'customer_info_needed, asked by staff',
    status: 'customer_info_needed',
    build: () => {
      const s = escalated();
      s.act('staff', msg('request_customer_info'));
      return s;
    },
    allowed: { customer: ['respond', 'withdraw'], merchant: ['respond'], staff: ['respond', 'note', 'assign', 'claim'] },
  },
  {
    name: 'customer_response_needed after a denial (no offer)',
    status: 'customer_response_needed',
    build: () => {
      const s = new Sim();
      s.act('merchant', msg('deny'));
      return s;
    },
    allowed: { customer: ['respond', 'escalate', 'withdraw'], merchant: ['respond', 'accept'], staff: ['respond', 'note'] },
  },
  {
    name: 'customer_response_needed with an open offer',
    status: 'customer_response_needed',
    build: () => {
      const s = new Sim();
      s.act('merchant', msg('offer_partial_refund', { amount: 2500 }));
      return s;
    },
    allowed: {
      customer: ['respond', 'accept_offer', 'escalate', 'withdraw'],
      merchant: ['respond', 'accept'],
      staff: ['respond', 'note'],
    },
  },
  {
    name: 'merchant_info_needed',
    status: 'merchant_info_needed',
    build: () => {
      const s = escalated();
      s.act('staff', msg('request_merchant_info'));
      return s;
    },
    allowed: { customer: ['respond', 'withdraw'], merchant: ['respond'], staff: ['respond', 'note', 'assign', 'claim'] },
  },
  {
    name: 'under_platform_review, escalated by the customer',
    status: 'under_platform_review',
    build: escalated,
    allowed: {
      customer: ['respond', 'withdraw'],
      merchant: ['respond', 'accept'],
      staff: ['respond', 'request_customer_info', 'request_merchant_info', 'decide', 'note', 'assign', 'claim'],
    },
  },
  {
    name: 'under_platform_review, claimed by another staff member',
    status: 'under_platform_review',
    build: () => {
      const s = escalated();
      s.act('staff', { type: 'claim' }, ACTORS.staff2);
      return s;
    },
    allowed: {
      customer: ['respond', 'withdraw'],
      merchant: ['respond', 'accept'],
      staff: ['respond', 'request_customer_info', 'request_merchant_info', 'decide', 'note', 'assign'],
      staff2: ['respond', 'request_customer_info', 'request_merchant_info', 'decide', 'note', 'assign'],
    },
    codes: { staff: { claim: [409, 'already_assigned'] } },
  },
  {
    name: 'under_platform_review in appeal: the first decider may not decide (four eyes)',
    status: 'under_platform_review',
    build: () => {
      const s = firstDecision('merchant_wins');
      s.act('customer', msg('appeal'));
      return s;
    },
    allowed: {
      customer: ['respond', 'withdraw'],
      merchant: ['respond', 'accept'],
      staff: ['respond', 'request_customer_info', 'request_merchant_info', 'note', 'assign', 'claim'],
      staff2: ['respond', 'request_customer_info', 'request_merchant_info', 'decide', 'note', 'assign', 'claim'],
    },
    codes: { staff: { decide: [403, 'same_reviewer'] } },
  },
  {
    name: 'customer_won by a first staff decision, appeal window open',
    status: 'customer_won',
    build: () => firstDecision('refund'),
    allowed: { customer: ['appeal'], merchant: ['appeal'], staff: ['note'] },
  },
  {
    name: 'customer_won by a first decision, exactly at the appeal deadline (window closed)',
    status: 'customer_won',
    build: () => firstDecision('credit').advance(10 * DAY),
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'merchant_won by a first staff decision, appeal window open one millisecond before it closes',
    status: 'merchant_won',
    build: () => firstDecision('merchant_wins').advance(10 * DAY - 1),
    allowed: { customer: ['appeal'], merchant: ['appeal'], staff: ['note'] },
  },
  {
    name: 'merchant_won by a decision on appeal (final)',
    status: 'merchant_won',
    build: () => appealDecision('merchant_wins'),
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'customer_won by a first decision that became final',
    status: 'customer_won',
    build: () => {
      const s = firstDecision('refund').advance(10 * DAY);
      s.sys({ type: 'finalize' });
      s.sys({ type: 'refund_succeeded', provider: 'stripe', refundId: 're_1', simulated: true });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'customer_won by accept, refund pending',
    status: 'customer_won',
    build: accepted,
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'customer_won by accept, refund failed',
    status: 'customer_won',
    build: () => {
      const s = accepted();
      s.sys({ type: 'refund_failed', provider: 'stripe', error: 'card closed' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note', 'retry_remedy', 'credit_instead'] },
  },
  {
    name: 'customer_won by accept, refund failed and retried (pending again)',
    status: 'customer_won',
    build: () => {
      const s = accepted();
      s.sys({ type: 'refund_failed', provider: 'stripe', error: 'card closed' });
      s.act('staff', { type: 'retry_remedy' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'customer_won by a refund decided on appeal that failed',
    status: 'customer_won',
    build: () => {
      const s = appealDecision('refund');
      s.sys({ type: 'refund_failed', provider: 'paypal', error: '422' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note', 'retry_remedy', 'credit_instead'] },
  },
  {
    name: 'customer_won by a credit decided on appeal',
    status: 'customer_won',
    build: () => appealDecision('credit'),
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'customer_won: refunded elsewhere',
    status: 'customer_won',
    build: () => {
      const s = new Sim();
      s.payment = { ...s.payment, refundedAmount: s.payment.amount };
      s.sys({ type: 'refunded_elsewhere' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'merchant_won: the customer did not answer in time',
    status: 'merchant_won',
    build: () => {
      const s = new Sim();
      s.act('merchant', msg('deny'));
      s.advance(72 * HOUR).sys({ type: 'expire' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'customer_withdrew',
    status: 'customer_withdrew',
    build: () => {
      const s = new Sim();
      s.act('customer', { type: 'withdraw' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'chargeback_filed on an open case',
    status: 'chargeback_filed',
    build: () => {
      const s = new Sim();
      s.sys({ type: 'chargeback' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
  {
    name: 'chargeback_filed during the appeal window',
    status: 'chargeback_filed',
    build: () => {
      const s = firstDecision('merchant_wins');
      s.sys({ type: 'chargeback' });
      return s;
    },
    allowed: { ...PARTIES_NOTHING, staff: ['note'] },
  },
];

/** Input that is valid for `type` in any case that allows it. */
const validInput = (type: A): ActionInput => ({
  type,
  message: 'Because of the evidence.',
  amount: type === 'offer_partial_refund' ? 1 : undefined,
  outcome: type === 'decide' ? 'refund' : undefined,
  assignee: type === 'assign' ? { id: ACTORS.staff2.id!, name: ACTORS.staff2.name } : undefined,
});

const COLUMNS: Column[] = ['customer', 'merchant', 'staff', 'staff2'];
const roleOf = (c: Column): PartyRole => (c === 'staff2' ? 'staff' : c);

describe('the transition table (SPEC §4), every status × role × action', () => {
  it('covers every status', () => {
    expect(new Set(SCENARIOS.map((s) => s.status)).size).toBe(9);
  });

  describe.each(SCENARIOS)('$name', (sc) => {
    const sim = sc.build();
    const state: CaseState = sim.state;

    it(`is in ${sc.status}`, () => {
      expect(state.status).toBe(sc.status);
    });

    describe.each(COLUMNS)('as %s', (column) => {
      const role = roleOf(column);
      const actor = ACTORS[column];
      const ctx = { role, actor, now: sim.now };
      const allowed = column === 'staff2' ? (sc.allowed.staff2 ?? sc.allowed.staff) : sc.allowed[column];

      it('lists exactly the allowed actions', () => {
        expect([...availableActions(state, ctx)].sort()).toEqual([...allowed].sort());
      });

      it.each([...PEOPLE_ACTIONS])('%s', (type) => {
        const expected: [number, string] | null = allowed.includes(type)
          ? null
          : (sc.codes?.[column]?.[type] ?? (ROLE_MAY[type].includes(role) ? [409, 'action_not_allowed'] : [403, 'forbidden']));
        const got = refusal(state, type, ctx);
        expect(got && [got.status, got.code]).toEqual(expected);
        const run = () => planAction(state, { ...ctx, policy: POLICY, payment: sim.payment }, validInput(type));
        if (expected) {
          expect(run).toThrow(DomainError);
          try {
            run();
          } catch (err) {
            expect([(err as DomainError).status, (err as DomainError).code]).toEqual(expected);
          }
        } else {
          expect(run().events.length).toBeGreaterThan(0);
        }
      });
    });
  });
});

describe('effects of people’s actions (SPEC §4)', () => {
  it('opening a case: merchant_response_needed, due after the merchant deadline', () => {
    const s = new Sim();
    expect(s.events).toHaveLength(1);
    expect(s.events[0]).toMatchObject({ type: 'created', data: { status: 'merchant_response_needed', dueAt: '2026-03-09T09:00:00.000Z' } });
    expect(s.state).toMatchObject({ status: 'merchant_response_needed', dueAt: '2026-03-09T09:00:00.000Z', final: false, outcome: null });
    expect(turnOf(s.state.status)).toBe('merchant');
  });

  it('respond keeps the status and the deadline, except for a reply to a request for information', () => {
    const s = new Sim().advance(HOUR);
    const p = s.act('customer', msg('respond'));
    expect(p.events).toEqual([
      expect.objectContaining({ type: 'responded', data: {}, visibility: 'public', message: 'A message for respond' }),
    ]);
    expect(s.state).toMatchObject({ status: 'merchant_response_needed', dueAt: '2026-03-09T09:00:00.000Z' });
    s.act('staff', msg('respond'));
    expect(s.events.at(-1)).toMatchObject({ type: 'responded', visibility: 'public', actor: { kind: 'staff' } });
  });

  it('respond without message nor attachment is invalid', () => {
    const s = new Sim();
    expect(() => s.act('customer', { type: 'respond' })).toThrow(expect.objectContaining({ code: 'validation_failed', status: 400 }));
  });

  it('the customer’s reply hands the turn back to the merchant who asked', () => {
    const s = new Sim();
    s.act('merchant', msg('request_more_info'));
    expect(s.state).toMatchObject({ status: 'customer_info_needed', dueAt: '2026-03-07T09:00:00.000Z', infoRequestsUsed: 1 });
    s.act('merchant', msg('respond'));
    s.act('staff', msg('respond'));
    expect(s.state.status).toBe('customer_info_needed');
    s.advance(DAY).act('customer', msg('respond'));
    expect(s.events.at(-1)).toMatchObject({
      type: 'responded',
      data: { status: 'merchant_response_needed', dueAt: '2026-03-10T09:00:00.000Z' },
    });
    expect(s.state).toMatchObject({ status: 'merchant_response_needed', dueAt: '2026-03-10T09:00:00.000Z' });
  });

  it('the customer’s reply hands the turn back to staff who asked; attachments alone suffice', () => {
    const s = escalated();
    s.act('staff', msg('request_customer_info'));
    expect(s.events.at(-1)).toMatchObject({ type: 'info_requested', data: { status: 'customer_info_needed', requestedFrom: 'customer' } });
    const file = { id: 'upl_1', filename: 'a.png', contentType: 'image/png', size: 1, sha256: 'x' };
    s.act('customer', { type: 'respond', attachments: [file] });
    expect(s.events.at(-1)).toMatchObject({
      type: 'responded',
      attachments: [file],
      message: null,
      data: { status: 'under_platform_review', dueAt: null },
    });
    expect(s.state).toMatchObject({ status: 'under_platform_review', dueAt: null });
  });

  it('the merchant’s reply in merchant_info_needed returns the case to staff; the customer’s does not', () => {
    const s = escalated();
    s.act('staff', msg('request_merchant_info'));
    expect(s.state).toMatchObject({ status: 'merchant_info_needed', dueAt: '2026-03-04T09:00:00.000Z' });
    s.act('customer', msg('respond'));
    expect(s.state.status).toBe('merchant_info_needed');
    s.act('merchant', msg('respond'));
    expect(s.events.at(-1)).toMatchObject({ data: { status: 'under_platform_review', dueAt: null } });
  });

  it('accept: a full refund of what is left, paid by the merchant, final at once, remedy requested now', () => {
    const s = new Sim(10_000, 1_500);
    const p = s.act('merchant', { type: 'accept' });
    const outcome = { kind: 'refund', amount: 8_500, currency: 'USD', fundedBy: 'merchant', execution: 'pending' };
    expect(p.events).toEqual([
      expect.objectContaining({
        type: 'accepted',
        data: { status: 'customer_won', dueAt: null, reason: 'merchant_accepted', outcome, final: true },
      }),
    ]);
    expect(p.effects).toEqual([{ kind: 'refund', amount: 8_500, currency: 'USD' }]);
    expect(s.state).toMatchObject({ status: 'customer_won', final: true, outcome, dueAt: null });
  });

  it('deny needs a message and leads to customer_response_needed', () => {
    const s = new Sim();
    expect(() => s.act('merchant', { type: 'deny' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    s.act('merchant', msg('deny'));
    expect(s.events.at(-1)).toMatchObject({
      type: 'denied',
      data: { status: 'customer_response_needed', dueAt: '2026-03-05T09:00:00.000Z' },
    });
    expect(s.state.offer).toBeNull();
  });

  it('request_more_info needs a message, at most twice', () => {
    const s = new Sim();
    expect(() => s.act('merchant', { type: 'request_more_info' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    for (let i = 0; i < 2; i++) {
      s.act('merchant', msg('request_more_info'));
      expect(s.events.at(-1)).toMatchObject({ type: 'requested_more_info', data: { status: 'customer_info_needed' } });
      s.act('customer', msg('respond'));
    }
    expect(() => s.act('merchant', msg('request_more_info'))).toThrow(expect.objectContaining({ code: 'limit_reached', status: 409 }));
  });

  it('offer_partial_refund: amount > 0 and below what is left, message required; opens the offer', () => {
    const s = new Sim(10_000, 4_000);
    for (const amount of [undefined, 0, -1, 6_000, 6_001, 1.5])
      expect(() => s.act('merchant', msg('offer_partial_refund', { amount }))).toThrow(
        expect.objectContaining({ code: 'invalid_amount', status: 400 }),
      );
    expect(() => s.act('merchant', { type: 'offer_partial_refund', amount: 100 })).toThrow(
      expect.objectContaining({ code: 'validation_failed' }),
    );
    s.act('merchant', msg('offer_partial_refund', { amount: 5_999 }));
    expect(s.events.at(-1)).toMatchObject({
      type: 'offered_partial_refund',
      data: { status: 'customer_response_needed', amount: 5_999, currency: 'USD' },
    });
    expect(s.state.offer).toEqual({ amount: 5_999, currency: 'USD' });
    s.act('customer', msg('respond'));
    expect(s.state.offer).toEqual({ amount: 5_999, currency: 'USD' });
  });

  it('accept_offer: customer_won with a partial refund of the offer, paid by the merchant, final', () => {
    const s = new Sim();
    s.act('merchant', msg('offer_partial_refund', { amount: 2_500 }));
    const p = s.act('customer', { type: 'accept_offer' });
    const outcome = { kind: 'partial_refund', amount: 2_500, currency: 'USD', fundedBy: 'merchant', execution: 'pending' };
    expect(p.events).toEqual([
      expect.objectContaining({ type: 'offer_accepted', data: expect.objectContaining({ status: 'customer_won', outcome, final: true }) }),
    ]);
    expect(p.effects).toEqual([{ kind: 'refund', amount: 2_500, currency: 'USD' }]);
    expect(s.state.offer).toBeNull();
  });

  it('escalate: under_platform_review, reason customer_request, no deadline, the offer lapses', () => {
    const s = new Sim();
    s.act('merchant', msg('offer_partial_refund', { amount: 2_500 }));
    s.advance(HOUR).act('customer', { type: 'escalate' });
    expect(s.events.at(-1)).toMatchObject({
      type: 'escalated',
      data: { status: 'under_platform_review', reason: 'customer_request', dueAt: null },
    });
    expect(s.state).toMatchObject({ offer: null, dueAt: null, reviewSince: '2026-03-02T10:00:00.000Z' });
  });

  it.each([
    'merchant_response_needed',
    'customer_info_needed',
    'customer_response_needed',
    'merchant_info_needed',
    'under_platform_review',
  ] as const)('withdraw from %s: customer_withdrew, final, no outcome, no money', (status) => {
    const s = SCENARIOS.find((x) => x.status === status)!.build();
    const p = s.act('customer', { type: 'withdraw' });
    expect(p.events).toEqual([
      expect.objectContaining({
        type: 'withdrew',
        data: expect.objectContaining({ status: 'customer_withdrew', final: true, dueAt: null }),
      }),
    ]);
    expect(p.effects).toEqual([]);
    expect(s.state).toMatchObject({ status: 'customer_withdrew', final: true, offer: null, dueAt: null });
  });

  it('request_customer_info / request_merchant_info need a message', () => {
    const s = escalated();
    expect(() => s.act('staff', { type: 'request_customer_info' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => s.act('staff', { type: 'request_merchant_info' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('decide needs an outcome and a message; amount defaults to all that is left and may not exceed it', () => {
    const s = escalated();
    expect(() => s.act('staff', msg('decide'))).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => s.act('staff', { type: 'decide', outcome: 'refund' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    for (const amount of [0, 10_001, 2.5])
      expect(() => s.act('staff', msg('decide', { outcome: 'credit', amount }))).toThrow(
        expect.objectContaining({ code: 'invalid_amount' }),
      );
  });

  it('a first decision (refund) opens the appeal window, nothing is paid yet', () => {
    const s = escalated().advance(HOUR);
    const p = s.act('staff', msg('decide', { outcome: 'refund' }));
    const outcome = { kind: 'refund', amount: 10_000, currency: 'USD', fundedBy: 'merchant', execution: 'pending' };
    expect(p.events).toEqual([
      expect.objectContaining({
        type: 'decided',
        data: {
          status: 'customer_won',
          dueAt: null,
          reason: 'staff_decision',
          decision: 'refund',
          outcome,
          final: false,
          appealDeadline: '2026-03-12T10:00:00.000Z',
        },
      }),
    ]);
    expect(p.effects).toEqual([]);
    expect(s.state).toMatchObject({ decisions: 1, firstDeciderId: 'staff1', appealDeadline: '2026-03-12T10:00:00.000Z', final: false });
  });

  it('a partial amount makes a partial_refund; credit is funded by the platform; merchant_wins has no money', () => {
    const partial = escalated();
    partial.act('staff', msg('decide', { outcome: 'refund', amount: 4_000 }));
    expect(partial.state.outcome).toEqual({
      kind: 'partial_refund',
      amount: 4_000,
      currency: 'USD',
      fundedBy: 'merchant',
      execution: 'pending',
    });
    const credit = escalated();
    credit.act('staff', msg('decide', { outcome: 'credit', amount: 3_000 }));
    expect(credit.state.outcome).toEqual({ kind: 'credit', amount: 3_000, currency: 'USD', fundedBy: 'platform', execution: 'pending' });
    const none = escalated();
    none.act('staff', msg('decide', { outcome: 'merchant_wins', amount: 3_000 }));
    expect(none.state).toMatchObject({ status: 'merchant_won', outcome: { kind: 'none', amount: 0, fundedBy: null, execution: null } });
  });

  it('appeal: under_platform_review as an appeal (reason appeal), one round, the window closes it', () => {
    const s = firstDecision('refund').advance(DAY);
    expect(() => s.act('merchant', { type: 'appeal' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    s.act('merchant', msg('appeal'));
    expect(s.events.at(-1)).toMatchObject({ type: 'appealed', data: { status: 'under_platform_review', reason: 'appeal', dueAt: null } });
    expect(s.state).toMatchObject({
      inAppeal: true,
      merchantAppealed: true,
      customerAppealed: false,
      outcome: null,
      appealDeadline: null,
      final: false,
    });
    expect(s.effects).toEqual([]);
  });

  it('a decision on appeal is final and its remedy executes at once; decisions stop at 2', () => {
    const s = firstDecision('merchant_wins');
    s.act('customer', msg('appeal'));
    expect(() => s.act('staff', msg('decide', { outcome: 'credit' }))).toThrow(
      expect.objectContaining({ code: 'same_reviewer', status: 403 }),
    );
    const p = s.act('staff', msg('decide', { outcome: 'credit', amount: 7_000 }), ACTORS.staff2);
    expect(p.events.map((e) => e.type)).toEqual(['decided', 'credit_issued']);
    expect(p.events[0]!.data).toMatchObject({ status: 'customer_won', final: true, appealDeadline: null });
    expect(p.events[1]).toMatchObject({
      actor: { kind: 'system' },
      data: { amount: 7_000, outcome: { kind: 'credit', execution: 'succeeded' } },
    });
    expect(p.effects).toEqual([{ kind: 'credit', amount: 7_000, currency: 'USD' }]);
    expect(s.state).toMatchObject({ decisions: 2, final: true, outcome: { kind: 'credit', execution: 'succeeded' } });
    expect(availableActions(s.state, { role: 'customer', actor: ACTORS.customer, now: s.now })).toEqual([]);
  });

  it('a refund decided on appeal asks for the refund at once', () => {
    const s = appealDecision('refund');
    expect(s.effects).toEqual([{ kind: 'refund', amount: 10_000, currency: 'USD' }]);
    expect(s.state.outcome).toMatchObject({ kind: 'refund', execution: 'pending' });
  });

  it('note: staff only, internal, any status, message required, no change', () => {
    const s = accepted();
    expect(() => s.act('staff', { type: 'note' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    const before = s.state;
    s.act('staff', msg('note'));
    expect(s.events.at(-1)).toMatchObject({ type: 'note', visibility: 'staff', data: {} });
    expect(s.state).toEqual(before);
  });

  it('retry_remedy asks for the same refund again; credit_instead replaces it by a platform credit', () => {
    const s = new Sim();
    s.act('merchant', msg('offer_partial_refund', { amount: 3_000 }));
    s.act('customer', { type: 'accept_offer' });
    s.sys({ type: 'refund_failed', provider: 'stripe', error: 'declined' });
    expect(s.state.outcome).toMatchObject({ kind: 'partial_refund', execution: 'failed' });
    const retry = s.act('staff', { type: 'retry_remedy' });
    expect(retry.events).toEqual([
      expect.objectContaining({ type: 'remedy_retried', data: { outcome: expect.objectContaining({ execution: 'pending' }) } }),
    ]);
    expect(retry.effects).toEqual([{ kind: 'refund', amount: 3_000, currency: 'USD' }]);
    s.sys({ type: 'refund_failed', provider: 'stripe', error: 'declined again' });
    expect(() => s.act('staff', { type: 'credit_instead' })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    const credit = s.act('staff', msg('credit_instead'));
    expect(credit.effects).toEqual([{ kind: 'credit', amount: 3_000, currency: 'USD' }]);
    expect(s.state.outcome).toEqual({ kind: 'credit', amount: 3_000, currency: 'USD', fundedBy: 'platform', execution: 'succeeded' });
    expect(s.state.status).toBe('customer_won');
  });
});

describe('system inputs (SPEC §3, §4, §5)', () => {
  const expiring: [string, () => Sim, number, CaseStatus, string, string][] = [
    ['merchant_response_needed', fresh, 7 * DAY, 'under_platform_review', 'escalated', 'merchant_unresponsive'],
    [
      'customer_info_needed',
      () => {
        const s = new Sim();
        s.act('merchant', msg('request_more_info'));
        return s;
      },
      5 * DAY,
      'merchant_won',
      'deadline_passed',
      'customer_unresponsive',
    ],
    [
      'customer_response_needed',
      () => {
        const s = new Sim();
        s.act('merchant', msg('offer_partial_refund', { amount: 10 }));
        return s;
      },
      72 * HOUR,
      'merchant_won',
      'deadline_passed',
      'customer_unresponsive',
    ],
    [
      'merchant_info_needed',
      () => {
        const s = escalated();
        s.act('staff', msg('request_merchant_info'));
        return s;
      },
      2 * DAY,
      'under_platform_review',
      'deadline_passed',
      'merchant_unresponsive',
    ],
  ];

  it.each(expiring)('expire in %s: exactly at dueAt, not one millisecond before', (_status, build, after, next, type, reason) => {
    const s = build();
    expect(s.state.dueAt).toBe(new Date(s.now.getTime() + after).toISOString());
    s.advance(after - 1);
    expect(s.sys({ type: 'expire' })).toBeNull();
    s.advance(1);
    const p = s.sys({ type: 'expire' })!;
    expect(p.events).toEqual([
      expect.objectContaining({
        type,
        actor: expect.objectContaining({ kind: 'system' }),
        data: expect.objectContaining({ status: next, reason }),
      }),
    ]);
    expect(p.effects).toEqual([]);
    expect(s.state.status).toBe(next);
    expect(s.state.offer).toBeNull();
    if (next === 'merchant_won') expect(s.state).toMatchObject({ final: true, dueAt: null, outcome: { kind: 'none', amount: 0 } });
    else expect(s.state).toMatchObject({ final: false, dueAt: null, reviewSince: s.now.toISOString() });
    expect(s.sys({ type: 'expire' })).toBeNull();
  });

  it('expire does nothing in under_platform_review nor in a closed case', () => {
    const s = escalated().advance(365 * DAY);
    expect(s.sys({ type: 'expire' })).toBeNull();
    const c = firstDecision('refund').advance(365 * DAY);
    expect(c.sys({ type: 'expire' })).toBeNull();
  });

  it('finalize: at the appeal deadline, not before; executes the remedy', () => {
    const s = firstDecision('refund');
    s.advance(10 * DAY - 1);
    expect(s.sys({ type: 'finalize' })).toBeNull();
    s.advance(1);
    const p = s.sys({ type: 'finalize' })!;
    expect(p.events).toEqual([expect.objectContaining({ type: 'finalized', data: { final: true } })]);
    expect(p.effects).toEqual([{ kind: 'refund', amount: 10_000, currency: 'USD' }]);
    expect(s.state).toMatchObject({ final: true, status: 'customer_won', appealDeadline: null });
    expect(s.sys({ type: 'finalize' })).toBeNull();
  });

  it('finalize a credit decision issues the credit; a merchant_wins decision moves no money', () => {
    const c = firstDecision('credit').advance(10 * DAY);
    const p = c.sys({ type: 'finalize' })!;
    expect(p.events.map((e) => e.type)).toEqual(['finalized', 'credit_issued']);
    expect(p.effects).toEqual([{ kind: 'credit', amount: 10_000, currency: 'USD' }]);
    expect(c.state.outcome).toMatchObject({ execution: 'succeeded' });
    const m = firstDecision('merchant_wins').advance(10 * DAY);
    expect(m.sys({ type: 'finalize' })!.effects).toEqual([]);
  });

  it('finalize does nothing to an appealed case, nor an open one', () => {
    const s = firstDecision('refund');
    s.act('customer', msg('appeal'));
    s.advance(30 * DAY);
    expect(s.sys({ type: 'finalize' })).toBeNull();
    expect(
      fresh()
        .advance(30 * DAY)
        .sys({ type: 'finalize' }),
    ).toBeNull();
  });

  it.each(
    SCENARIOS.filter((x) =>
      [
        'merchant_response_needed',
        'customer_info_needed',
        'customer_response_needed',
        'merchant_info_needed',
        'under_platform_review',
      ].includes(x.status),
    ),
  )('refunded_elsewhere and chargeback close an open case ($name)', (sc) => {
    const r = sc.build();
    r.payment = { ...r.payment, refundedAmount: r.payment.amount };
    const p = r.sys({ type: 'refunded_elsewhere' })!;
    expect(p.events).toEqual([
      expect.objectContaining({
        type: 'payment_refunded_elsewhere',
        data: expect.objectContaining({ status: 'customer_won', final: true, dueAt: null }),
      }),
    ]);
    expect(p.effects).toEqual([]);
    expect(r.state).toMatchObject({
      status: 'customer_won',
      final: true,
      offer: null,
      outcome: { kind: 'refunded_elsewhere', amount: 10_000, fundedBy: 'merchant', execution: 'succeeded' },
    });
    const c = sc.build();
    const q = c.sys({ type: 'chargeback' })!;
    expect(q.events).toEqual([
      expect.objectContaining({ type: 'chargeback_filed', data: expect.objectContaining({ status: 'chargeback_filed', final: true }) }),
    ]);
    expect(c.state).toMatchObject({ status: 'chargeback_filed', final: true, dueAt: null, outcome: { kind: 'none' } });
  });

  it('a final case keeps its status; a remedy it still owes is cancelled by a full refund elsewhere or a chargeback (SPEC §11)', () => {
    const owes = accepted();
    owes.payment = { ...owes.payment, refundedAmount: owes.payment.amount };
    expect(owes.sys({ type: 'refunded_elsewhere', amount: 10_000 })!.events).toEqual([
      expect.objectContaining({ type: 'remedy_cancelled', data: expect.objectContaining({ reason: 'payment_refunded_elsewhere' }) }),
    ]);
    expect(owes.state).toMatchObject({ status: 'customer_won', final: true, outcome: { kind: 'refunded_elsewhere', amount: 10_000 } });
    // The provider's answer to a refund sent before the cancellation is still recorded: money moved.
    const late = owes.sys({ type: 'refund_succeeded', provider: 'stripe', refundId: 're_late', simulated: false, amount: 10_000 })!;
    expect(late.events[0]).toMatchObject({ type: 'refund_succeeded', data: { amount: 10_000, late: true } });
    expect(owes.sys({ type: 'refund_succeeded', provider: 'stripe', refundId: 're_late', simulated: false, amount: 10_000 })).toBeNull();

    const charged = accepted();
    expect(charged.sys({ type: 'chargeback' })!.events.map((e) => [e.type, e.data.status])).toEqual([
      ['remedy_cancelled', undefined],
      ['chargeback_filed', undefined],
    ]);
    expect(charged.state).toMatchObject({ status: 'customer_won', final: true, outcome: { kind: 'none', amount: 0 } });
    expect(charged.sys({ type: 'refund_succeeded', provider: 'simulated', refundId: 're_x', simulated: true })).toBeNull();

    const won = appealDecision('merchant_wins');
    const before = won.state;
    expect(won.sys({ type: 'refunded_elsewhere', amount: 0 })!.events.map((e) => [e.type, e.data.status])).toEqual([
      ['payment_refunded_elsewhere', undefined],
    ]);
    expect(won.sys({ type: 'chargeback' })!.events.map((e) => [e.type, e.data.status])).toEqual([['chargeback_filed', undefined]]);
    expect(won.state).toMatchObject({ status: before.status, final: true, outcome: before.outcome });
  });

  it('refund_succeeded records the execution and raises the refunded amount, once', () => {
    const s = accepted();
    const p = s.sys({ type: 'refund_succeeded', provider: 'simulated', refundId: 're_1', simulated: true })!;
    expect(p.events).toEqual([
      expect.objectContaining({
        type: 'refund_succeeded',
        message: expect.stringContaining('Simulated'),
        data: expect.objectContaining({ amount: 10_000, refundId: 're_1', outcome: expect.objectContaining({ execution: 'succeeded' }) }),
      }),
    ]);
    expect(p.effects).toEqual([{ kind: 'payment_refunded', amount: 10_000 }]);
    expect(s.sys({ type: 'refund_succeeded', provider: 'simulated', refundId: 're_1', simulated: true })).toBeNull();
    expect(s.sys({ type: 'refund_failed', provider: 'simulated', error: 'late' })).toBeNull();
  });

  it('refund_failed marks the execution failed; nothing when no remedy is pending', () => {
    const s = accepted();
    const p = s.sys({ type: 'refund_failed', provider: 'stripe', error: 'card closed' })!;
    expect(p.events).toEqual([
      expect.objectContaining({
        type: 'refund_failed',
        data: expect.objectContaining({ error: 'card closed', outcome: expect.objectContaining({ execution: 'failed' }) }),
      }),
    ]);
    expect(p.effects).toEqual([]);
    expect(fresh().sys({ type: 'refund_failed', provider: 'stripe', error: 'x' })).toBeNull();
    expect(firstDecision('refund').sys({ type: 'refund_succeeded', provider: 's', refundId: 'r', simulated: false })).toBeNull();
  });
});

describe('reasons on the timeline (SPEC §6)', () => {
  const closingReason = (build: () => Sim) => {
    const s = build();
    const closing = s.events.filter((e) => e.data.status !== undefined).at(-1)!;
    return [closing.type, closing.data.status, closing.data.reason];
  };

  it('every closing event says why', () => {
    expect(closingReason(accepted)).toEqual(['accepted', 'customer_won', 'merchant_accepted']);
    expect(
      closingReason(() => {
        const s = new Sim();
        s.act('merchant', msg('offer_partial_refund', { amount: 5 }));
        s.act('customer', { type: 'accept_offer' });
        return s;
      }),
    ).toEqual(['offer_accepted', 'customer_won', 'offer_accepted']);
    expect(
      closingReason(() => {
        const s = new Sim();
        s.act('customer', { type: 'withdraw' });
        return s;
      }),
    ).toEqual(['withdrew', 'customer_withdrew', 'customer_withdrew']);
    expect(closingReason(() => firstDecision('merchant_wins'))).toEqual(['decided', 'merchant_won', 'staff_decision']);
    expect(closingReason(() => appealDecision('refund'))).toEqual(['decided', 'customer_won', 'staff_decision']);
    expect(
      closingReason(() => {
        const s = new Sim();
        s.payment = { ...s.payment, refundedAmount: s.payment.amount };
        s.sys({ type: 'refunded_elsewhere' });
        return s;
      }),
    ).toEqual(['payment_refunded_elsewhere', 'customer_won', 'refunded_elsewhere']);
    expect(
      closingReason(() => {
        const s = new Sim();
        s.sys({ type: 'chargeback' });
        return s;
      }),
    ).toEqual(['chargeback_filed', 'chargeback_filed', 'chargeback']);
  });
});

describe('eligibility (SPEC §2), rules in order', () => {
  const now = T0;
  const ok: EligibilityFacts = {
    provider: 'stripe',
    status: 'succeeded',
    amount: 10_000,
    refundedAmount: 0,
    paidAt: new Date(T0.getTime() - DAY).toISOString(),
    merchantId: 'shop',
    hasCase: false,
    disputed: false,
  };
  const window = parseDuration('P180D');
  const check = (over: Partial<EligibilityFacts>, merchants: string[] = []) => eligibility({ ...ok, ...over }, merchants, now, window);

  it('accepts a recent fiat payment of a customer outside the merchant', () => {
    expect(check({})).toBeNull();
    expect(check({ provider: 'paypal' })).toBeNull();
    expect(check({ status: 'partially_refunded', refundedAmount: 9_999 })).toBeNull();
    expect(check({}, ['shop2'])).toBeNull();
  });

  it('names each rule on its own', () => {
    expect(check({ provider: 'crypto' })).toBe('payment_method_ineligible');
    expect(check({ provider: 'coinbase_commerce' })).toBe('payment_method_ineligible');
    expect(check({ status: 'refunded', refundedAmount: 10_000 })).toBe('payment_refunded');
    expect(check({ status: 'partially_refunded', refundedAmount: 10_000 })).toBe('payment_refunded');
    expect(check({ disputed: true })).toBe('payment_disputed');
    expect(check({ hasCase: true })).toBe('case_already_exists');
    expect(check({ paidAt: new Date(T0.getTime() - 181 * DAY).toISOString() })).toBe('filing_window_passed');
    expect(check({}, ['shop'])).toBe('conflict_of_interest');
  });

  it('the filing window includes its last instant', () => {
    expect(check({ paidAt: new Date(T0.getTime() - 180 * DAY).toISOString() })).toBeNull();
    expect(check({ paidAt: new Date(T0.getTime() - 180 * DAY - 1).toISOString() })).toBe('filing_window_passed');
  });

  it('a payment breaking several rules reports the first', () => {
    const old = new Date(T0.getTime() - 400 * DAY).toISOString();
    const all = { provider: 'crypto', status: 'refunded', refundedAmount: 10_000, hasCase: true, paidAt: old };
    expect(check(all, ['shop'])).toBe('payment_method_ineligible');
    expect(check({ ...all, provider: 'stripe' }, ['shop'])).toBe('payment_refunded');
    expect(check({ ...all, provider: 'stripe', status: 'succeeded', refundedAmount: 0 }, ['shop'])).toBe('case_already_exists');
    expect(check({ paidAt: old }, ['shop'])).toBe('filing_window_passed');
  });
});

describe('ISO 8601 durations (SPEC §3: calendar durations)', () => {
  const add = (from: string, d: string) => addDuration(new Date(from), parseDuration(d)).toISOString();

  it('parses the usual forms', () => {
    expect(parseDuration('P7D')).toEqual({ years: 0, months: 0, days: 7, hours: 0, minutes: 0, seconds: 0 });
    expect(parseDuration('PT48H')).toEqual({ years: 0, months: 0, days: 0, hours: 48, minutes: 0, seconds: 0 });
    expect(parseDuration('P1W')).toEqual({ years: 0, months: 0, days: 7, hours: 0, minutes: 0, seconds: 0 });
    expect(parseDuration('P1Y2M3DT4H5M6S')).toEqual({ years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6 });
    expect(parseDuration('PT1M')).toMatchObject({ months: 0, minutes: 1 });
  });

  it.each(['', 'P', 'PT', 'P1DT', '7D', 'P-1D', 'P1.5D', 'p7d', 'P7D ', 'PT1H2D', 'P1S', 'hello'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/ISO 8601/);
  });

  it('adds calendar days and exact hours in UTC', () => {
    expect(add('2026-03-02T09:00:00.000Z', 'P7D')).toBe('2026-03-09T09:00:00.000Z');
    expect(add('2026-03-02T09:00:00.000Z', 'PT48H')).toBe('2026-03-04T09:00:00.000Z');
    expect(add('2026-03-02T09:00:00.000Z', 'P1W')).toBe('2026-03-09T09:00:00.000Z');
    expect(add('2026-02-27T09:00:00.000Z', 'P2D')).toBe('2026-03-01T09:00:00.000Z');
    expect(add('2026-12-31T23:30:00.000Z', 'PT1H')).toBe('2027-01-01T00:30:00.000Z');
    // Over a European DST change the instant still moves by exactly 7 × 24 h.
    expect(add('2026-03-25T12:00:00.000Z', 'P7D')).toBe('2026-04-01T12:00:00.000Z');
  });

  it('adds months as calendar months, clamped to the end of a shorter month', () => {
    expect(add('2026-01-31T10:00:00.000Z', 'P1M')).toBe('2026-02-28T10:00:00.000Z');
    expect(add('2028-01-31T10:00:00.000Z', 'P1M')).toBe('2028-02-29T10:00:00.000Z');
    expect(add('2026-03-31T10:00:00.000Z', 'P1M')).toBe('2026-04-30T10:00:00.000Z');
    expect(add('2026-01-15T10:00:00.000Z', 'P1M')).toBe('2026-02-15T10:00:00.000Z');
    expect(add('2028-02-29T10:00:00.000Z', 'P1Y')).toBe('2029-02-28T10:00:00.000Z');
    expect(add('2026-11-30T10:00:00.000Z', 'P3M')).toBe('2027-02-28T10:00:00.000Z');
    expect(add('2026-01-31T10:00:00.000Z', 'P1M1D')).toBe('2026-03-01T10:00:00.000Z');
  });

  it('subtracts the same way (the filing window)', () => {
    const sub = (from: string, d: string) => subtractDuration(new Date(from), parseDuration(d)).toISOString();
    expect(sub('2026-03-02T09:00:00.000Z', 'P180D')).toBe('2025-09-03T09:00:00.000Z');
    expect(sub('2026-03-31T09:00:00.000Z', 'P1M')).toBe('2026-02-28T09:00:00.000Z');
    expect(sub('2026-03-02T09:00:00.000Z', 'PT48H')).toBe('2026-02-28T09:00:00.000Z');
  });
});
