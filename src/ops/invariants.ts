/**
 * Invariants read straight from the database: what must hold however processes
 * crash or race. Used by the crash tests and by operators (`main.ts check`).
 * Each violation is a sentence naming the row.
 */
import type { Kysely } from 'kysely';
import { chainedRow, eventHash, genesisHash } from '../cases/chain.js';
import type { CaseState } from '../domain/case.js';
import type { DB } from '../db/schema.js';

interface PaymentColumns {
  amount: number;
  refunded: number;
  credited: number;
}

const amountOf = (e: { data: string }) => (JSON.parse(e.data) as { amount?: number }).amount ?? 0;

/**
 * SPEC §11: money is computed from what was executed — the refunds on the timeline and the
 * credit ledger — never from the payment's columns, which a bug could have capped. Refunded
 * elsewhere is what the provider's total adds beyond the refunds made here.
 */
function moneyOf(
  caseId: string,
  paymentId: string,
  p: PaymentColumns,
  evs: { type: string; data: string }[],
  credited: Map<string, number>,
): string[] {
  const problems: string[] = [];
  const refundedHere = evs.filter((e) => e.type === 'refund_succeeded').reduce((n, e) => n + amountOf(e), 0);
  const creditEvents = evs.filter((e) => e.type === 'credit_issued').reduce((n, e) => n + amountOf(e), 0);
  const ledger = credited.get(caseId) ?? 0;
  if (creditEvents !== ledger) problems.push(`case ${caseId}: the timeline credits ${creditEvents}, the ledger ${ledger}`);
  if (p.credited !== ledger) problems.push(`payment ${paymentId}: credited column ${p.credited}, ledger ${ledger}`);
  if (p.refunded < refundedHere)
    problems.push(`payment ${paymentId}: refunded ${p.refunded} is less than the ${refundedHere} refunded here (capped or rewritten)`);
  const elsewhere = Math.max(0, p.refunded - refundedHere);
  const total = refundedHere + elsewhere + ledger;
  if (total > p.amount)
    problems.push(
      `payment ${paymentId}: over_refunded: ${refundedHere} refunded here + ${elsewhere} elsewhere + ${ledger} credited = ${total} of ${p.amount}`,
    );
  return problems;
}

/** The review queue's flag agrees with the payment's own columns, for payments with or without a case. */
async function overRefundFlags(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('payments').select(['id', 'amount', 'refunded_amount', 'credited_amount', 'over_refunded']).execute();
  return rows
    .filter((p) => (p.refunded_amount + p.credited_amount > p.amount ? 1 : 0) !== p.over_refunded)
    .map((p) => `payment ${p.id}: over_refunded flag ${p.over_refunded} disagrees with its amounts`);
}

export async function checkInvariants(db: Kysely<DB>, now: Date): Promise<string[]> {
  const problems: string[] = [];
  const cases = await db
    .selectFrom('cases')
    .innerJoin('payments', 'payments.id', 'cases.payment_id')
    .selectAll('cases')
    .select(['payments.amount as p_amount', 'payments.refunded_amount as p_refunded', 'payments.credited_amount as p_credited'])
    .execute();
  const events = await db.selectFrom('case_events').selectAll().orderBy('case_id').orderBy('seq').execute();
  const byCase = new Map<string, typeof events>();
  for (const e of events) byCase.set(e.case_id, [...(byCase.get(e.case_id) ?? []), e]);
  const credits = await db.selectFrom('credit_entries').select(['case_id', 'amount']).execute();
  const credited = new Map<string, number>();
  for (const c of credits) credited.set(c.case_id, (credited.get(c.case_id) ?? 0) + c.amount);

  for (const c of cases) {
    const s = JSON.parse(c.state) as CaseState;
    const evs = byCase.get(c.id) ?? [];
    evs.forEach((e, i) => {
      if (e.seq !== i + 1) problems.push(`case ${c.id}: event seq ${e.seq} at position ${i + 1} (gap or duplicate)`);
    });
    const lastStatus = [...evs].reverse().find((e) => (JSON.parse(e.data) as { status?: string }).status !== undefined);
    const derived = lastStatus ? (JSON.parse(lastStatus.data) as { status: string }).status : undefined;
    if (derived !== c.status) problems.push(`case ${c.id}: status ${c.status} but its events say ${derived}`);
    if (s.status !== c.status) problems.push(`case ${c.id}: state JSON says ${s.status}, column says ${c.status} (half-written)`);
    if ((c.final === 1) !== s.final) problems.push(`case ${c.id}: final column and state disagree`);
    if (c.due_at !== s.dueAt) problems.push(`case ${c.id}: due_at column and state disagree`);
    if (c.version < 1 || c.version > evs.length) problems.push(`case ${c.id}: version ${c.version} with ${evs.length} events`);
    const statusChangesAfterFinal = evs.filter((e, i) => {
      if ((JSON.parse(e.data) as { status?: string }).status === undefined) return false;
      return evs.slice(0, i).some((p) => (JSON.parse(p.data) as { final?: boolean }).final === true);
    });
    if (statusChangesAfterFinal.length) problems.push(`case ${c.id}: status changed after it was final`);
    // The tamper-evident chain (SPEC §13): the first break is reported; everything after it is suspect.
    let previous = genesisHash(c.id);
    for (const e of evs) {
      const expected = eventHash(previous, chainedRow(e));
      if (e.hash !== expected) {
        problems.push(`case ${c.id}: event seq ${e.seq} does not match its hash (the timeline chain is broken there)`);
        break;
      }
      previous = e.hash;
    }
    const successes = evs.filter((e) => e.type === 'refund_succeeded').length;
    if (successes > 1) problems.push(`case ${c.id}: ${successes} refund_succeeded events`);
    problems.push(...moneyOf(c.id, c.payment_id, { amount: c.p_amount, refunded: c.p_refunded, credited: c.p_credited }, evs, credited));
  }
  problems.push(...(await overRefundFlags(db)));

  // One refund key per case: a retry may repeat a request, never with a different key.
  const remedies = await db.selectFrom('outbox').select(['case_id', 'idempotency_key']).where('kind', '=', 'remedy').execute();
  const keys = new Map<string, Set<string>>();
  for (const r of remedies) keys.set(r.case_id ?? '', (keys.get(r.case_id ?? '') ?? new Set()).add(r.idempotency_key));
  for (const [caseId, k] of keys) if (k.size > 1) problems.push(`case ${caseId}: refund requested under ${k.size} different keys`);

  // Every effect is delivered, dead with a reason, or scheduled for a later try.
  const at = now.toISOString();
  const stuck = await db
    .selectFrom('outbox')
    .select(['id', 'kind', 'status', 'last_error', 'run_at'])
    .where('status', '!=', 'done')
    .execute();
  for (const r of stuck) {
    if (r.status === 'dead' && !r.last_error) problems.push(`outbox ${r.id} (${r.kind}): dead without a reason`);
    if (r.status === 'pending' && r.run_at <= at) problems.push(`outbox ${r.id} (${r.kind}): due and not delivered`);
  }
  return problems;
}
