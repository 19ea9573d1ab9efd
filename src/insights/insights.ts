/**
 * A merchant's insights (SPEC §16): the dispute rate and the chargeback rate beside the
 * networks' thresholds, outcomes and amounts refunded by issue type and by product, the
 * median first response, for a bounded window (30 or 90 days) and per week.
 *
 * Every read is an indexed range over the window (cases_merchant, payments_merchant_paid,
 * disputes_merchant) or over the merchant's open cases (cases_merchant_status), with no
 * lookup per case: each case row carries its product and the merchant's first answer (kept
 * by the write path). The time depends on what happened in the window, never on the
 * merchant's whole history.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { CHARGEBACK_STAGES } from '../domain/dispute.js';
import type { CaseState } from '../domain/case.js';
import { CASE_STATUSES, CLOSED_STATUSES, type CaseStatus, OPEN_STATUSES } from '../domain/model.js';

export const WINDOWS = { '30d': 30, '90d': 90 } as const;
export type InsightsWindow = keyof typeof WINDOWS;

/** Card networks' monitoring thresholds (fractions of transactions): Visa 0.9 %, Mastercard 1.5 %. */
export const THRESHOLDS = { visa: 0.009, mastercard: 0.015 } as const;

const DAY = 24 * 60 * 60 * 1000;
const WEEK = 7 * DAY;

type ClosedStatus = (typeof CLOSED_STATUSES)[number];
export type Outcomes = Record<ClosedStatus, number>;

export interface Group {
  key: string;
  cases: number;
  outcomes: Outcomes;
  /** Minor units refunded to customers on these cases, by currency. */
  refunded: Record<string, number>;
}

export interface Week {
  /** The start of this bucket: a Monday 00:00 UTC, or the window's start for the first. */
  weekStart: string;
  weekEnd: string;
  opened: number;
  payments: number;
  chargebacks: number;
  disputeRate: number | null;
  chargebackRate: number | null;
}

export interface MerchantInsights {
  merchant: { id: string; name: string };
  window: InsightsWindow;
  from: string;
  to: string;
  /** Right now, whatever the window: the merchant's open cases and those waiting for the merchant. */
  openCases: number;
  awaitingMerchant: number;
  /** Cases opened in the window. */
  cases: number;
  /** Payments paid in the window. */
  payments: number;
  /** Bank disputes at the chargeback stage or later, first reported in the window. */
  chargebacks: number;
  /** Inquiries and early warnings in the window settled before a chargeback (refunded or prevented). */
  inquiriesPrevented: number;
  disputeRate: number | null;
  chargebackRate: number | null;
  thresholds: typeof THRESHOLDS;
  byStatus: Record<CaseStatus, number>;
  outcomes: Outcomes;
  refunded: Record<string, number>;
  /** Median time from opening to the merchant's first action, over the window's cases the merchant answered. */
  medianFirstResponseMs: number | null;
  answeredCases: number;
  byIssueType: Group[];
  byProduct: Group[];
  weekly: Week[];
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function mondayUtc(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

const rate = (n: number, d: number) => (d > 0 ? n / d : null);
const emptyOutcomes = (): Outcomes => Object.fromEntries(CLOSED_STATUSES.map((s) => [s, 0])) as Outcomes;

/** Buckets of the window: Monday-to-Monday weeks, the first and last cut to the window. */
export function weekBuckets(from: number, to: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let start = from; start < to;) {
    const end = Math.min(to, mondayUtc(start) + WEEK);
    out.push({ start, end });
    start = end;
  }
  return out;
}

/** What a case's outcome refunded to the customer (executed refunds only), or null. */
function refundOf(stateJson: string): { amount: number; currency: string } | null {
  const state = JSON.parse(stateJson) as CaseState;
  const o = state.outcome;
  if (!o || (o.kind !== 'refund' && o.kind !== 'partial_refund') || o.execution !== 'succeeded') return null;
  return { amount: o.amount, currency: o.currency };
}

function addMoney(into: Record<string, number>, m: { amount: number; currency: string } | null) {
  if (m) into[m.currency] = (into[m.currency] ?? 0) + m.amount;
}

export class Insights {
  constructor(private readonly db: Kysely<DB>) {}

  async merchant(merchant: { id: string; name: string }, window: InsightsWindow, now: number): Promise<MerchantInsights> {
    const db = this.db;
    const id = merchant.id;
    // The window ends now, included: a case opened this millisecond counts.
    const toMs = now + 1;
    const fromMs = now - WINDOWS[window] * DAY;
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const until = new Date(now).toISOString();
    const buckets = weekBuckets(fromMs, toMs);

    const countPayments = async (a: string, b: string) =>
      Number(
        (
          await db
            .selectFrom('payments')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('merchant_id', '=', id)
            .where('paid_at', '>=', a)
            .where('paid_at', '<', b)
            .executeTakeFirstOrThrow()
        ).n,
      );

    const [open, cases, disputes, weeklyPayments] = await Promise.all([
      db
        .selectFrom('cases')
        .select(['status', (eb) => eb.fn.countAll().as('n')])
        .where('merchant_id', '=', id)
        .where('status', 'in', [...OPEN_STATUSES])
        .groupBy('status')
        .execute(),
      db
        .selectFrom('cases')
        .select(['status', 'issue_type', 'state', 'created_at', 'product_name', 'first_response_at'])
        .where('merchant_id', '=', id)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .execute(),
      db
        .selectFrom('disputes')
        .select(['stage', 'status', 'created_at'])
        .where('merchant_id', '=', id)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .execute(),
      Promise.all(buckets.map((b) => countPayments(new Date(b.start).toISOString(), new Date(b.end).toISOString()))),
    ]);

    const openBy = new Map(open.map((r) => [r.status, Number(r.n)]));
    const openCases = [...openBy.values()].reduce((a, b) => a + b, 0);
    const awaitingMerchant = (openBy.get('merchant_response_needed') ?? 0) + (openBy.get('merchant_info_needed') ?? 0);

    const byStatus = Object.fromEntries(CASE_STATUSES.map((st) => [st, 0])) as Record<CaseStatus, number>;
    const outcomes = emptyOutcomes();
    const refunded: Record<string, number> = {};
    const issueGroups = new Map<string, Group>();
    const productGroups = new Map<string, Group>();
    const group = (m: Map<string, Group>, key: string) => {
      let g = m.get(key);
      if (!g) m.set(key, (g = { key, cases: 0, outcomes: emptyOutcomes(), refunded: {} }));
      return g;
    };
    const bucketOf = (iso: string) => {
      const t = Date.parse(iso);
      return buckets.findIndex((b) => t >= b.start && t < b.end);
    };
    const weekly = buckets.map((b, i) => ({ ...b, opened: 0, payments: weeklyPayments[i] ?? 0, chargebacks: 0 }));

    for (const c of cases) {
      const status = c.status as CaseStatus;
      byStatus[status] += 1;
      const money = refundOf(c.state);
      addMoney(refunded, money);
      for (const g of [group(issueGroups, c.issue_type), group(productGroups, c.product_name)]) {
        g.cases += 1;
        if (status in g.outcomes) g.outcomes[status as ClosedStatus] += 1;
        addMoney(g.refunded, money);
      }
      const w = weekly[bucketOf(c.created_at)];
      if (w) w.opened += 1;
    }
    for (const s of CLOSED_STATUSES) outcomes[s] = byStatus[s];

    let chargebacks = 0;
    let inquiriesPrevented = 0;
    for (const d of disputes) {
      if ((CHARGEBACK_STAGES as readonly string[]).includes(d.stage)) {
        chargebacks += 1;
        const w = weekly[bucketOf(d.created_at)];
        if (w) w.chargebacks += 1;
      } else if (d.status === 'refunded' || d.status === 'prevented') inquiriesPrevented += 1;
    }

    const waits = cases.flatMap((c) => (c.first_response_at ? [Date.parse(c.first_response_at) - Date.parse(c.created_at)] : []));
    const payments = weeklyPayments.reduce((a, b) => a + b, 0);
    const sorted = (m: Map<string, Group>) => [...m.values()].sort((a, b) => b.cases - a.cases || a.key.localeCompare(b.key));

    return {
      merchant,
      window,
      from,
      to: until,
      openCases,
      awaitingMerchant,
      cases: cases.length,
      payments,
      chargebacks,
      inquiriesPrevented,
      disputeRate: rate(cases.length, payments),
      chargebackRate: rate(chargebacks, payments),
      thresholds: THRESHOLDS,
      byStatus,
      outcomes,
      refunded,
      medianFirstResponseMs: median(waits),
      answeredCases: waits.length,
      byIssueType: sorted(issueGroups),
      byProduct: sorted(productGroups).slice(0, 20),
      weekly: weekly.map((w) => ({
        weekStart: new Date(w.start).toISOString(),
        weekEnd: new Date(Math.min(w.end, now)).toISOString(),
        opened: w.opened,
        payments: w.payments,
        chargebacks: w.chargebacks,
        disputeRate: rate(w.opened, w.payments),
        chargebackRate: rate(w.chargebacks, w.payments),
      })),
    };
  }
}
