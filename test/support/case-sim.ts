/**
 * A case driven through the pure domain only (planAction/planSystem + apply),
 * with a clock and a payment, the way CaseService.mutate drives it: the tests
 * of the transition table and the domain properties share it.
 */
import {
  type Actor,
  type CaseState,
  type Effect,
  type NewEvent,
  type PaymentFacts,
  type Policy,
  apply,
  initialState,
} from '../../src/domain/case.js';
import { type ActionInput, planAction, planCreate } from '../../src/domain/case-actions.js';
import { type SystemInput, planSystem } from '../../src/domain/case-system.js';
import type { PartyRole } from '../../src/domain/model.js';
import { parseDuration } from '../../src/domain/time.js';

export const T0 = new Date('2026-03-02T09:00:00.000Z');
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

export const POLICY: Policy = {
  deadlines: {
    merchant_response_needed: parseDuration('P7D'),
    customer_info_needed: parseDuration('P5D'),
    customer_response_needed: parseDuration('PT72H'),
    merchant_info_needed: parseDuration('P2D'),
  },
  appealWindow: parseDuration('P10D'),
};

export const ACTORS: Record<PartyRole | 'staff2', Actor> = {
  customer: { kind: 'customer', id: 'cust', name: 'Cora' },
  merchant: { kind: 'merchant', id: 'merch', name: 'Mia' },
  staff: { kind: 'staff', id: 'staff1', name: 'Sara' },
  staff2: { kind: 'staff', id: 'staff2', name: 'Stan' },
};

export class Sim {
  state: CaseState;
  now: Date;
  payment: PaymentFacts;
  events: NewEvent[] = [];
  effects: Effect[] = [];

  constructor(amount = 10_000, refundedAmount = 0, now = T0) {
    this.now = new Date(now.getTime());
    this.payment = { amount, refundedAmount, credits: 0, currency: 'USD' };
    const plan = planCreate(ACTORS.customer, 'It never arrived.', this.now, POLICY, []);
    this.state = plan.events.reduce(apply, initialState());
    this.events.push(...plan.events);
  }

  ctx(role: PartyRole, actor: Actor = ACTORS[role]) {
    return { role, actor, now: this.now, policy: POLICY, payment: this.payment };
  }

  /** Plans and applies a person's action; throws the DomainError when refused. */
  act(role: PartyRole, input: ActionInput, actor: Actor = ACTORS[role]) {
    const plan = planAction(this.state, this.ctx(role, actor), input);
    this.commit(plan.events, plan.effects);
    return plan;
  }

  /** Plans and applies a system input; null when it no longer applies. */
  sys(input: SystemInput) {
    const plan = planSystem(this.state, input, this.now, POLICY, this.payment);
    if (plan) this.commit(plan.events, plan.effects);
    return plan;
  }

  advance(ms: number) {
    this.now = new Date(this.now.getTime() + ms);
    return this;
  }

  at(iso: string) {
    this.now = new Date(iso);
    return this;
  }

  private commit(events: NewEvent[], effects: Effect[]) {
    this.state = events.reduce(apply, this.state);
    this.events.push(...events);
    this.effects.push(...effects);
    // The service's effects raise the payment's refunded and credited amounts.
    for (const e of effects) {
      if (e.kind === 'payment_refunded') this.payment = { ...this.payment, refundedAmount: this.payment.refundedAmount + e.amount };
      if (e.kind === 'credit') this.payment = { ...this.payment, credits: this.payment.credits + e.amount };
    }
  }
}

export const msg = (type: ActionInput['type'], extra: Omit<ActionInput, 'type' | 'message'> = {}): ActionInput => ({
  type,
  message: `A message for ${type}`,
  ...extra,
});
