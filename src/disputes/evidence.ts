/**
 * Chargeback evidence (SPEC §13): when the bank takes a Stripe or PayPal payment that has a
 * case, the case becomes the merchant's answer. The response is staged at the provider
 * (Stripe: the case file uploaded, the dispute updated with `submit=false`; PayPal, which has
 * no staging, keeps it here), the merchant reads and edits the texts, and sends it before the
 * bank's deadline. Every provider call is an outbox row, so it happens once, retried, with a
 * key derived from the dispute; the dispute's `evidence` column records each step.
 */
import type { Kysely } from 'kysely';
import { type CaseFileSources, buildCaseFile, caseFileData, isShown } from '../casefile/casefile.js';
import type { Viewer } from '../cases/access.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { DB, DisputeRow, OutboxRow } from '../db/schema.js';
import { type OutboxHandler, PermanentError, enqueue } from '../outbox/outbox.js';
import type { EvidencePackage, Providers } from '../payments/provider.js';
import { seesDispute } from './disputes.js';
import { type DisputeEvidence, type EvidencePayload, STAGE, SUBMIT, parseEvidence } from './evidence-record.js';

/** Stripe's limits: 20,000 characters a text field, 150,000 in all, and the files of one response under 4.5 MB. */
export const EVIDENCE_TEXT_LIMIT = 20_000;
export const EVIDENCE_TOTAL_LIMIT = 150_000;
export const EVIDENCE_FILE_LIMIT = 4_500_000;

/** The texts the merchant may edit before sending, by Stripe's evidence field names. */
export const EVIDENCE_TEXT_FIELDS = ['access_activity_log', 'refund_refusal_explanation', 'uncategorized_text'] as const;
export type EvidenceTextField = (typeof EVIDENCE_TEXT_FIELDS)[number];

function clip(text: string): string {
  return text.length <= EVIDENCE_TEXT_LIMIT ? text : `${text.slice(0, EVIDENCE_TEXT_LIMIT - 40)}\n… (shortened to the provider's limit)`;
}

const words = (s: string) => s.replace(/_/g, ' ');
/** A bank reads times in UTC, to the minute. */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The texts of a response, from the case file a bank may see (no internal notes). */
export function composeTexts(file: Awaited<ReturnType<typeof caseFileData>>): Record<string, string> {
  const c = file.case;
  const shown = file.timeline.filter(isShown);
  const denial = shown.filter((e) => e.type === 'denied').at(-1);
  const decision = shown.filter((e) => e.type === 'decided').at(-1);
  const activity = file.evidence.map(
    (e) =>
      `${when(e.occurredAt)} ${words(e.type)}${e.ip ? ` from ${e.ip}` : ''}${e.deviceId ? ` (device ${e.deviceId})` : ''}: ${e.description}`,
  );
  const summary = [
    `Resolution Center case ${c.id}, opened ${when(c.createdAt)} by the customer (${words(c.issueType)}): ${c.description}`,
    '',
    'What happened:',
    ...shown.map((e) => `${when(e.createdAt)} ${e.actor.kind}: ${words(e.type)}${e.message ? ` - ${e.message}` : ''}`),
    '',
    decision
      ? `Decision by the platform's staff: ${decision.message ?? words(typeof decision.data.outcome === 'string' ? decision.data.outcome : '')}`
      : 'No decision by the platform was needed.',
    `The attached case file holds the whole conversation; its timeline is hash-chained (sha256-chain-v1, final hash ${file.integrity.finalHash}).`,
  ];
  const texts: Record<string, string> = { uncategorized_text: clip(summary.join('\n')) };
  if (activity.length > 0) texts.access_activity_log = clip(activity.join('\n'));
  if (denial?.message) texts.refund_refusal_explanation = clip(denial.message);
  return texts;
}

export class ChargebackEvidence {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly services: () => CaseFileSources,
    private readonly providers: Providers,
  ) {}

  /** A dispute as a person may see it, or 404; the response itself only for the merchant's members and staff. */
  async visible(viewer: Viewer, disputeId: string): Promise<DisputeRow> {
    const d = await this.db.selectFrom('disputes').selectAll().where('id', '=', disputeId).executeTakeFirst();
    if (!d || !seesDispute(viewer, d)) throw notFound('dispute');
    return d;
  }

  /** The merchant's word: send the staged response, with their edits, to the bank (once). */
  async requestSubmission(viewer: Viewer, disputeId: string, edits: Partial<Record<EvidenceTextField, string>>): Promise<DisputeRow> {
    const d = await this.visible(viewer, disputeId);
    if (!viewer.merchantIds.includes(d.merchant_id))
      throw new DomainError('forbidden', 'Only the merchant’s members can send the response to the bank.');
    const ev = parseEvidence(d.evidence);
    if (!ev?.staged) throw new DomainError('evidence_not_staged', 'The response is still being prepared; try again in a minute.');
    if (ev.submitRequestedAt) throw new DomainError('action_not_allowed', 'The response was already sent to the bank.');
    if (['won', 'lost', 'closed', 'prevented'].includes(d.status))
      throw new DomainError('action_not_allowed', `The dispute is ${d.status}: the bank takes no more evidence.`);
    const now = this.services().clock.now();
    if (d.respond_by && Date.parse(d.respond_by) <= now.getTime())
      throw new DomainError('evidence_deadline_passed', `The bank’s deadline for evidence passed at ${d.respond_by}.`);
    const fields = { ...ev.staged.fields };
    for (const [name, text] of Object.entries(edits)) {
      if (text.trim() === '') delete fields[name];
      else fields[name] = text;
    }
    const total = Object.entries(fields).reduce((n, [name, text]) => n + (name === 'customer_communication' ? 0 : text.length), 0);
    if (total > EVIDENCE_TOTAL_LIMIT)
      throw new DomainError('validation_failed', `The texts hold ${total} characters; the bank takes at most ${EVIDENCE_TOTAL_LIMIT}.`);
    const next: DisputeEvidence = { ...ev, staged: { ...ev.staged, fields }, submitRequestedAt: now.toISOString(), failure: null };
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('disputes')
        .set({ evidence: JSON.stringify(next), updated_at: now.toISOString() })
        .where('id', '=', d.id)
        .where('evidence', '=', d.evidence)
        .executeTakeFirst();
      // Another submission won the race: exactly one reaches the outbox.
      if (res.numUpdatedRows === 0n) throw new DomainError('action_not_allowed', 'The response was already sent to the bank.');
      const payload: EvidencePayload = { disputeId: d.id, step: SUBMIT };
      await enqueue(trx, now, [{ kind: 'dispute_evidence', payload, idempotencyKey: `rc-evidence-submit-${d.id}` }]);
      return { ...d, evidence: JSON.stringify(next), updated_at: now.toISOString() };
    });
  }

  private async record(d: DisputeRow, change: (ev: DisputeEvidence) => DisputeEvidence): Promise<void> {
    const now = this.services().clock.now().toISOString();
    const base: DisputeEvidence = parseEvidence(d.evidence) ?? { staged: null, submitRequestedAt: null, submittedAt: null, failure: null };
    await this.db
      .updateTable('disputes')
      .set({ evidence: JSON.stringify(change(base)), updated_at: now })
      .where('id', '=', d.id)
      .execute();
  }

  /** The case file a bank may see, small enough for the provider: without drawn images if need be. */
  private async pack(d: DisputeRow): Promise<EvidencePackage> {
    const s = this.services();
    const c = await this.db.selectFrom('cases').select('id').where('payment_id', '=', d.payment_id).executeTakeFirst();
    if (!c) throw new PermanentError(`Dispute ${d.id} has no case to build a response from.`);
    let bytes = await buildCaseFile(s, c.id, null);
    if (bytes.length > EVIDENCE_FILE_LIMIT) bytes = await buildCaseFile(s, c.id, null, { drawImages: false });
    if (bytes.length > EVIDENCE_FILE_LIMIT)
      throw new PermanentError(`The case file is ${bytes.length} bytes, over the provider's ${EVIDENCE_FILE_LIMIT}.`);
    const texts = composeTexts(await caseFileData(s, c.id, null));
    return { disputeId: d.external_id, file: { filename: `case-file-${c.id}.pdf`, contentType: 'application/pdf', bytes }, texts };
  }

  handler(): OutboxHandler {
    const load = async (row: OutboxRow) => {
      const p = JSON.parse(row.payload) as EvidencePayload;
      const d = await this.db.selectFrom('disputes').selectAll().where('id', '=', p.disputeId).executeTakeFirstOrThrow();
      const provider = this.providers[d.source];
      if (!provider?.stageEvidence || !provider.submitEvidence)
        throw new PermanentError(`No provider takes chargeback evidence for "${d.source}" disputes.`);
      return { p, d, provider: { stage: provider.stageEvidence.bind(provider), submit: provider.submitEvidence.bind(provider) } };
    };
    return {
      maxAttempts: 8,
      handle: async (row: OutboxRow) => {
        const { p, d, provider } = await load(row);
        const ev = parseEvidence(d.evidence);
        if (p.step === STAGE) {
          if (ev?.staged) return; // recorded before a crash: the provider already has it
          const { fields } = await provider.stage(await this.pack(d), row.idempotency_key);
          const stagedAt = this.services().clock.now().toISOString();
          await this.record(d, (e) => ({ ...e, staged: { stagedAt, fields }, failure: null }));
          return;
        }
        if (!ev?.staged || !ev.submitRequestedAt || ev.submittedAt) return;
        await provider.submit(await this.pack(d), ev.staged.fields, row.idempotency_key);
        const submittedAt = this.services().clock.now().toISOString();
        await this.record(d, (e) => ({ ...e, submittedAt, failure: null }));
      },
      onDead: async (row, error) => {
        const p = JSON.parse(row.payload) as EvidencePayload;
        const d = await this.db.selectFrom('disputes').selectAll().where('id', '=', p.disputeId).executeTakeFirst();
        // A failed submission may be asked for again; a failed staging says why nothing is there.
        if (d)
          await this.record(d, (ev) => ({ ...ev, failure: error, submitRequestedAt: p.step === SUBMIT ? null : ev.submitRequestedAt }));
      },
    };
  }
}
