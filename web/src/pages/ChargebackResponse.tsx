/**
 * The merchant's answer to a chargeback (SPEC §13): what was staged from the case at the
 * provider, the texts to edit, and the button that sends it to the bank before its deadline.
 */
import { useState } from 'react';
import type { z } from 'zod';
import type { DisputeView as Dispute } from '../../../src/http/schemas';
import { ApiError, api } from '../api';
import { dateTime } from '../format';
import { useMe, useNow } from '../session';
import { Alert, Countdown, FieldError, useLoad } from '../ui';

type DisputeView = z.infer<typeof Dispute>;

const TEXT_FIELDS = [
  ['uncategorized_text', 'Summary of the case', 'What the customer claimed, what happened, and any decision.'],
  ['access_activity_log', 'Activity record', 'The marketplace’s record of the customer’s access and use.'],
  ['refund_refusal_explanation', 'Why no refund was given', 'Your answer when you denied the refund.'],
] as const;

const SOURCE_LABELS: Record<DisputeView['source'], string> = { stripe: 'Stripe', paypal: 'PayPal', platform: 'the marketplace' };

export function ChargebackResponses({ caseId, role }: { caseId: string; role: string | null }) {
  const { value, setValue } = useLoad(
    () => api<{ data: DisputeView[] }>('GET', `/cases/${encodeURIComponent(caseId)}/disputes`),
    [caseId],
    10_000,
  );
  if (role === 'customer' || value.state !== 'ready') return null;
  const answered = value.data.data.filter((d) => d.evidence);
  return (
    <>
      {answered.map((d) => (
        <ChargebackResponse
          key={d.id}
          d={d}
          canSend={role === 'merchant'}
          onChange={(next) => setValue({ state: 'ready', data: { data: value.data.data.map((x) => (x.id === next.id ? next : x)) } })}
        />
      ))}
    </>
  );
}

function ChargebackResponse({ d, canSend, onChange }: { d: DisputeView; canSend: boolean; onChange: (d: DisputeView) => void }) {
  const me = useMe();
  const ev = d.evidence;
  const staged = ev?.staged?.fields ?? {};
  const [texts, setTexts] = useState<Record<string, string>>(() => ({ ...staged }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const titleId = `chargeback-${d.id}-title`;
  // The service's clock, as the countdown beside it and the server's own check read it.
  const now = useNow(30_000);
  const late = d.respondBy !== null && Date.parse(d.respondBy) <= now;
  const editable = canSend && !!ev?.staged && !ev.submitRequestedAt && !late;

  async function send(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const fields = Object.fromEntries(TEXT_FIELDS.map(([name]) => [name, texts[name] ?? '']));
      onChange(await api<DisputeView>('POST', `/disputes/${encodeURIComponent(d.id)}/actions`, { type: 'submit_evidence', fields }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card chargeback-response" aria-labelledby={titleId}>
      <h2 id={titleId} className="card-title">
        Answer to the bank’s chargeback
      </h2>
      <p className="small">
        The customer’s bank took this payment back{d.reason ? ` (${d.reason.replace(/_/g, ' ')})` : ''}. The Resolution Center prepared your
        answer from this case at {SOURCE_LABELS[d.source]}: the case file, with the whole conversation, and the texts below.
      </p>
      {d.respondBy && !ev?.submittedAt && (
        <p className="status-due">
          <span className="muted">The bank must have it by </span>
          <Countdown dueAt={d.respondBy} />
        </p>
      )}
      {ev?.failure && <Alert tone="error">The provider refused the last attempt: {ev.failure}</Alert>}
      {!ev?.staged && !ev?.failure && <p className="muted small">Preparing the answer…</p>}
      {ev?.submittedAt && (
        <Alert tone="success">
          Sent to the bank on {dateTime(ev.submittedAt, me.user.timeZone)}. The bank decides; you’ll hear from {SOURCE_LABELS[d.source]}.
        </Alert>
      )}
      {ev?.submitRequestedAt && !ev.submittedAt && <Alert tone="info">Sending to the bank…</Alert>}
      {ev?.staged && (
        <form onSubmit={(e) => void send(e)}>
          <p className="small">
            Case file: <span className="mono">{staged.customer_communication}</span>
          </p>
          {TEXT_FIELDS.map(([name, label, hint]) => (
            <div className="field" key={name}>
              <label htmlFor={`${d.id}-${name}`}>{label}</label>
              <p className="muted small" id={`${d.id}-${name}-hint`}>
                {hint}
              </p>
              <textarea
                id={`${d.id}-${name}`}
                rows={name === 'refund_refusal_explanation' ? 3 : 6}
                maxLength={20_000}
                readOnly={!editable}
                value={texts[name] ?? ''}
                onChange={(e) => setTexts({ ...texts, [name]: e.target.value })}
                aria-describedby={`${d.id}-${name}-hint`}
              />
            </div>
          ))}
          <FieldError id={`${d.id}-error`} message={error?.message} />
          {editable && (
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? 'Sending…' : 'Send to the bank'}
              </button>
            </div>
          )}
          {canSend && late && !ev.submitRequestedAt && <p className="field-error">The bank’s deadline has passed.</p>}
        </form>
      )}
    </section>
  );
}
