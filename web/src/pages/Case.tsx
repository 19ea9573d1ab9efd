import { useEffect, useRef, useState } from 'react';
import { ApiError, type ActionType, type Attachment, type Case, type CaseEvent, api, attachmentUrl } from '../api';
import { ACTIONS } from '../../../src/domain/case-actions';
import { downloadName } from '../../../src/files/download-name';
import { FileDrop, type FilesState } from '../files';
import { ISSUE_LABELS, PROVIDER_LABELS, bytes, statusLabel, dateTime, exponent, money, parseMajor } from '../format';
import { Link, useLocation } from '../router';
import { useMe } from '../session';
import { appConfig } from '../config';
import { Alert, Countdown, ErrorBox, FieldError, Loading, StatusPill, useLoad } from '../ui';
import { type ActionUi, actionUi, eventWords } from './caseWords';
import { CaseFileCard, SystemEvidenceCard } from './CaseEvidence';
import { BankAlertBanner } from './BankAlerts';
import { ChargebackResponses } from './ChargebackResponse';
import { ContextCard, SavedReplyPicker } from './Tools';

const POLL_MS = 4000;

function turnText(c: Case): string {
  const role = c.role;
  if (c.turn === null) {
    if (c.appealDeadline && !c.final) return 'Decided. Either side may appeal until the deadline below.';
    return 'This case is closed.';
  }
  if (c.turn === 'staff' && role === 'staff' && c.inAppeal && !c.availableActions.includes('decide'))
    return 'A second staff member is reviewing the appeal: you made the first decision, so another reviewer decides.';
  if (c.turn === role) return 'It’s your turn.';
  if (c.turn === 'merchant') return `Waiting for ${c.merchant.name} to answer.`;
  if (c.turn === 'customer') return `Waiting for ${c.customer.name} to answer.`;
  return c.inAppeal ? 'A second staff member is reviewing the appeal.' : 'The platform’s team is reviewing the case.';
}

function outcomeText(c: Case): string | null {
  const o = c.outcome;
  if (!o) return null;
  const m = money(o.amount, o.currency);
  const exec =
    o.execution === 'pending'
      ? c.final
        ? ' (being paid now)'
        : ' (paid when the decision becomes final)'
      : o.execution === 'failed'
        ? ' (failed: staff are on it)'
        : '';
  // SPEC §11: a refund made elsewhere meanwhile means only what was left is paid.
  const shrunk =
    o.plannedAmount !== undefined
      ? ` The payment was partly refunded elsewhere, so ${m} is paid instead of the ${money(o.plannedAmount, o.currency)} decided.`
      : '';
  // After a chargeback the bank decides, not the merchant: "none" there means nothing is paid here.
  if (c.status === 'chargeback_filed' && o.kind === 'none')
    return 'No refund here: the customer’s bank took the payment back (a chargeback), so the bank decides now.';
  return outcomeKindText(o, m, exec) + shrunk;
}

function outcomeKindText(o: NonNullable<Case['outcome']>, m: string, exec: string): string {
  switch (o.kind) {
    case 'refund':
      return `Full refund of ${m} to the customer, paid by the merchant${exec}.`;
    case 'partial_refund':
      return `Partial refund of ${m} to the customer, paid by the merchant${exec}.`;
    case 'credit':
      return `${m} platform credit for the customer, funded by the platform${exec}.`;
    case 'none':
      return 'No refund: decided in the merchant’s favour.';
    case 'refunded_elsewhere':
      return `The payment was refunded outside the Resolution Center (${m}).`;
  }
}

function Attachments({ caseId, files }: { caseId: string; files: Attachment[] }) {
  const [pdf, setPdf] = useState<{ id: string; url: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => () => (pdf ? URL.revokeObjectURL(pdf.url) : undefined), [pdf]);
  const previewPdf = async (a: Attachment) => {
    if (pdf?.id === a.id) return setPdf(null);
    try {
      const res = await fetch(attachmentUrl(caseId, a.id), { credentials: 'same-origin' });
      if (!res.ok) throw new Error(String(res.status));
      const blob = new Blob([await res.arrayBuffer()], { type: 'application/pdf' });
      setPdf({ id: a.id, url: URL.createObjectURL(blob) });
    } catch {
      setError('The preview could not be loaded. Download the file instead.');
    }
  };
  return (
    <div className="attachments">
      <ul className="attachment-list" aria-label="Attachments">
        {files.map((a) => {
          const url = attachmentUrl(caseId, a.id);
          const image = a.contentType.startsWith('image/');
          return (
            <li key={a.id} className="attachment">
              {image ? (
                <a href={url} target="_blank" rel="noreferrer" className="attachment-thumb">
                  <img src={url} alt={`Preview of ${a.filename}`} loading="lazy" />
                </a>
              ) : (
                <span className="attachment-thumb attachment-kind" aria-hidden="true">
                  {a.contentType === 'application/pdf' ? 'PDF' : (a.contentType.split('/')[1] ?? 'FILE').slice(0, 4).toUpperCase()}
                </span>
              )}
              <span className="attachment-meta">
                <span className="truncate">{a.filename}</span>
                <span className="muted small">{bytes(a.size)}</span>
                <span className="attachment-links">
                  {a.contentType === 'application/pdf' && (
                    <button type="button" className="linklike small" onClick={() => void previewPdf(a)} aria-expanded={pdf?.id === a.id}>
                      {pdf?.id === a.id ? 'Hide preview' : 'Preview'}
                    </button>
                  )}
                  <a className="small" href={url} download={downloadName(a.filename, a.contentType)}>
                    Download<span className="visually-hidden"> {a.filename}</span>
                  </a>
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      {error && <p className="field-error">{error}</p>}
      {pdf && <iframe className="pdf-preview" src={pdf.url} title="PDF preview" />}
    </div>
  );
}

function TimelineItem({ e, c }: { e: CaseEvent; c: Case }) {
  const me = useMe();
  const staffOnly = e.visibility === 'staff';
  const you = e.actor.id !== null && e.actor.id === me.user.id;
  const roleWord = e.actor.kind === 'system' ? '' : e.actor.kind === 'staff' ? 'platform staff' : e.actor.kind;
  return (
    <li className={`event event-${e.actor.kind} ${staffOnly ? 'event-internal' : ''}`}>
      <span className={`event-dot dot-${e.actor.kind}`} aria-hidden="true" />
      <div className="event-card">
        {staffOnly && <p className="internal-label">Internal note · only staff can see this; the customer and merchant never do</p>}
        <p className="event-head">
          <strong>{you ? 'You' : e.actor.name}</strong>
          {roleWord && <span className="muted"> ({roleWord})</span>} {eventWords(e, c)}
          <time className="event-time muted small" dateTime={e.createdAt}>
            {dateTime(e.createdAt, me.user.timeZone)}
          </time>
        </p>
        {e.message && <p className="event-message">{e.message}</p>}
        {e.attachments.length > 0 && <Attachments caseId={c.id} files={e.attachments} />}
      </div>
    </li>
  );
}

/** Acts on the case; the answer carries only the events after the page's last one, added to those it shows. */
async function actOn(c: Case, body: Record<string, unknown>): Promise<Case> {
  const shown = c.timeline ?? [];
  const next = await api<Case>('POST', `/cases/${c.id}/actions?timelineAfter=${shown.at(-1)?.seq ?? 0}`, body);
  return { ...next, timeline: [...shown, ...(next.timeline ?? [])] };
}

function ActionForm({ type, ui, c, onDone }: { type: ActionType; ui: ActionUi; c: Case; onDone: (next: Case, note: string) => void }) {
  const [message, setMessage] = useState('');
  const [amount, setAmount] = useState('');
  const [outcome, setOutcome] = useState<'merchant_wins' | 'refund' | 'credit' | ''>('');
  const [files, setFiles] = useState<FilesState>({ ids: [], busy: false });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLElement>(null);
  const left = c.payment.amount - c.payment.refundedAmount;
  const cur = c.payment.currency;

  useEffect(() => {
    first.current?.focus();
  }, []);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const errors: { path: string; message: string }[] = [];
    const body: Record<string, unknown> = { type, expectedVersion: c.version, attachmentIds: files.ids };
    if (message.trim()) body.message = message.trim();
    else if (ACTIONS[type].message === 'required' || (ACTIONS[type].message === 'unless_files' && files.ids.length === 0))
      errors.push({ path: 'message', message: 'Write a message.' });
    if (ui.outcome) {
      if (!outcome) errors.push({ path: 'outcome', message: 'Choose an outcome.' });
      else body.outcome = outcome;
    }
    const needsAmount = ui.amount === 'offer' || (ui.amount === 'decide' && outcome !== 'merchant_wins' && amount.trim() !== '');
    if (needsAmount) {
      const minor = parseMajor(amount, cur);
      const max = ui.amount === 'offer' ? left - 1 : left;
      if (minor === null || minor <= 0)
        errors.push({
          path: 'amount',
          message: `Enter an amount in ${cur}, such as ${money(Math.min(left, 10 ** exponent(cur) * 10), cur)}.`,
        });
      else if (minor > max)
        errors.push({
          path: 'amount',
          message:
            ui.amount === 'offer'
              ? `An offer must be less than ${money(left, cur)} (what is left of the payment).`
              : `At most ${money(left, cur)}.`,
        });
      else body.amount = minor;
    }
    if (errors.length) return setError(new ApiError(400, 'validation_failed', 'Check the highlighted fields.', errors));
    setBusy(true);
    setError(null);
    try {
      const next = await actOn(c, body);
      onDone(next, type === 'note' ? 'Note saved. Only staff can see it.' : 'Done. Both sides can see it on the timeline.');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
      setBusy(false);
    }
  };

  const conflict = error?.code === 'conflict' || error?.code === 'action_not_allowed';
  return (
    <form className={`action-form ${type === 'note' ? 'action-form-internal' : ''}`} onSubmit={(e) => void submit(e)} noValidate>
      <h3 className="action-form-title">{ui.label}</h3>
      <p className="hint">{ui.help}</p>
      {error && (
        <Alert tone="error">
          {conflict
            ? 'This case changed while you were writing. The page now shows the latest version: check it and try again.'
            : error.errors.length
              ? 'Check the highlighted fields.'
              : error.message}
        </Alert>
      )}
      {ui.outcome && (
        <fieldset className="field">
          <legend className="label">Outcome</legend>
          <div className="choice-row">
            {(
              [
                ['merchant_wins', 'Merchant wins', 'No refund.'],
                ['refund', 'Refund', 'The merchant pays it back through the payment’s provider.'],
                ['credit', 'Platform credit', 'The platform credits the customer; the merchant pays nothing.'],
              ] as const
            ).map(([k, title, hint], i) => (
              <label key={k} className={`choice ${outcome === k ? 'choice-on' : ''}`}>
                <input
                  type="radio"
                  name={`outcome-${c.id}`}
                  value={k}
                  checked={outcome === k}
                  onChange={() => setOutcome(k)}
                  ref={i === 0 ? (first as React.RefObject<HTMLInputElement>) : undefined}
                />
                <span className="choice-title">{title}</span>
                <span className="choice-hint">{hint}</span>
              </label>
            ))}
          </div>
          <FieldError id={`outcome-error-${type}`} message={error?.field('outcome')} />
        </fieldset>
      )}
      {ui.amount && (ui.amount === 'offer' || (outcome !== '' && outcome !== 'merchant_wins')) && (
        <div className="field">
          <label htmlFor={`amount-${type}`}>Amount in {cur}</label>
          <p className="hint" id={`amount-hint-${type}`}>
            {ui.amount === 'offer'
              ? `Less than ${money(left, cur)}, what is left of the payment.`
              : `Leave empty for all that is left: ${money(left, cur)}.`}
          </p>
          <div className="money-input">
            <span aria-hidden="true">{cur}</span>
            <input
              id={`amount-${type}`}
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              aria-invalid={!!error?.field('amount')}
              aria-describedby={`amount-hint-${type}${error?.field('amount') ? ` amount-error-${type}` : ''}`}
              ref={ui.amount === 'offer' ? (first as React.RefObject<HTMLInputElement>) : undefined}
            />
          </div>
          <FieldError id={`amount-error-${type}`} message={error?.field('amount')} />
        </div>
      )}
      {type === 'respond' && <SavedReplyPicker c={c} onPick={setMessage} />}
      <div className="field">
        <label htmlFor={`message-${type}`}>{ui.messageLabel}</label>
        <textarea
          id={`message-${type}`}
          rows={4}
          maxLength={5000}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          aria-invalid={!!error?.field('message')}
          aria-describedby={error?.field('message') ? `message-error-${type}` : undefined}
          ref={!ui.outcome && ui.amount !== 'offer' ? (first as React.RefObject<HTMLTextAreaElement>) : undefined}
        />
        <FieldError id={`message-error-${type}`} message={error?.field('message')} />
      </div>
      {ui.files && <FileDrop onChange={setFiles} error={error?.field('attachmentIds')} />}
      <div className="form-actions">
        <button type="submit" className={`btn btn-${ui.tone === 'danger' ? 'danger' : 'primary'}`} disabled={busy || files.busy}>
          {busy ? 'Sending…' : files.busy ? 'Waiting for uploads…' : ui.submit}
        </button>
      </div>
    </form>
  );
}

/** SPEC §16: who holds a case with staff; claim it, take it over or release it. */
function Assignment({ c, onDone }: { c: Case; onDone: (next: Case, note: string) => void }) {
  const me = useMe();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const canClaim = c.availableActions.includes('claim');
  const canAssign = c.availableActions.includes('assign');
  if (c.role !== 'staff' || (!canClaim && !canAssign && !c.assignee)) return null;
  const mine = c.assignee?.id === me.user.id;
  const act = async (body: Record<string, unknown>, note: string) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await actOn(c, { ...body, attachmentIds: [] }), note);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={`card assignment ${c.assignee && !mine ? 'assignment-other' : ''}`} aria-labelledby="assignment-title">
      <h2 id="assignment-title" className="card-title">
        {c.assignee ? (mine ? 'You hold this case' : `Held by ${c.assignee.name}`) : 'Nobody holds this case'}
      </h2>
      {c.assignee && !mine && (
        <p className="muted small">{c.assignee.name} is working on it: talk to them before you act, or take it over.</p>
      )}
      {error && <Alert tone="error">{error.code === 'already_assigned' ? 'Someone claimed it just before you.' : error.message}</Alert>}
      <div className="action-buttons">
        {canClaim && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => void act({ type: 'claim' }, 'You hold this case now.')}
          >
            Claim
          </button>
        )}
        {canAssign && c.assignee && !mine && (
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            onClick={() => void act({ type: 'assign', assigneeId: me.user.id }, 'You took the case over.')}
          >
            Take over
          </button>
        )}
        {canAssign && c.assignee && (
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            onClick={() => void act({ type: 'assign', assigneeId: null }, 'Nobody holds the case now.')}
          >
            Release
          </button>
        )}
      </div>
    </section>
  );
}

const ASSIGNMENT: readonly ActionType[] = ['claim', 'assign'];

function Actions({ c, onDone }: { c: Case; onDone: (next: Case, note: string) => void }) {
  const [chosen, setOpen] = useState<ActionType | null>(null);
  const actions = c.availableActions.filter((a) => !ASSIGNMENT.includes(a));
  // A form whose action the case no longer offers (someone acted first) closes.
  const open = chosen && actions.includes(chosen) ? chosen : null;
  if (actions.length === 0) return null;
  return (
    <section className="card actions" aria-labelledby="actions-title">
      <h2 id="actions-title" className="card-title">
        What you can do
      </h2>
      <div className="action-buttons">
        {actions.map((t) => {
          const ui = actionUi(t, c);
          return (
            <button
              key={t}
              type="button"
              className={`btn btn-${ui.tone === 'primary' ? 'primary' : ui.tone === 'danger' ? 'danger-outline' : 'secondary'}`}
              aria-expanded={open === t}
              aria-controls="action-form"
              onClick={() => setOpen(open === t ? null : t)}
            >
              {ui.label}
            </button>
          );
        })}
      </div>
      {open && (
        <div id="action-form">
          <ActionForm
            key={open}
            type={open}
            ui={actionUi(open, c)}
            c={c}
            onDone={(next, note) => {
              setOpen(null);
              onDone(next, note);
            }}
          />
        </div>
      )}
    </section>
  );
}

export function CasePage({ id }: { id: string }) {
  const me = useMe();
  const url = useLocation();
  const { value, reload, setValue } = useLoad(() => api<Case>('GET', `/cases/${encodeURIComponent(id)}`), [id], POLL_MS);
  const [notice, setNotice] = useState<string | null>(
    url.searchParams.get('opened') ? 'Your case is open. The merchant has been notified.' : null,
  );
  useEffect(() => {
    // The welcome is shown once: a reload or a shared link should not say it again.
    if (url.searchParams.has('opened')) window.history.replaceState(null, '', url.pathname);
  }, [url]);
  const seen = useRef<number | null>(null);
  const [changed, setChanged] = useState(false);

  const c = value.state === 'ready' ? value.data : null;
  useEffect(() => {
    if (!c) return;
    if (seen.current !== null && c.version !== seen.current) setChanged(true);
    seen.current = c.version;
  }, [c]);
  useEffect(() => {
    document.title = `${c ? `${c.payment.productName} · ` : ''}Case · ${appConfig.brand.name}`;
  }, [c]);

  if (value.state === 'loading') return <Loading label="Loading the case" />;
  if (value.state === 'error') return <ErrorBox error={value.error} retry={() => void reload()} />;
  const k = value.data;
  const back = k.role === 'staff' ? ['/queue', 'Review queue'] : k.role === 'merchant' ? ['/inbox', 'Cases inbox'] : ['/cases', 'My cases'];
  const timeline = k.timeline ?? [];
  const outcome = outcomeText(k);

  return (
    <>
      <p className="breadcrumb">
        <Link to={back[0] as string}>← {back[1]}</Link>
      </p>
      <header className="case-header">
        <div>
          <p className="eyebrow">
            {ISSUE_LABELS[k.issueType].title} · <span className="mono">{k.id}</span>
          </p>
          <h1>{k.payment.productName}</h1>
          <p className="muted">
            {k.customer.name} and {k.merchant.name} · {money(k.payment.amount, k.payment.currency)}
          </p>
        </div>
        <StatusPill c={k} />
      </header>

      {notice && <Alert tone="success">{notice}</Alert>}
      {changed && (
        <Alert tone="info">
          This case was just updated.{' '}
          <button type="button" className="linklike" onClick={() => setChanged(false)}>
            Dismiss
          </button>
        </Alert>
      )}

      <div className="case-layout">
        <div className="case-main">
          <section
            className={`card status-card turn-${k.turn === k.role && k.turn && k.availableActions.length > 1 ? 'you' : 'other'}`}
            aria-labelledby="status-title"
          >
            <h2 id="status-title" className="status-title">
              {statusLabel(k, me.user.timeZone)}
            </h2>
            <p className="status-turn">{turnText(k)}</p>
            {k.dueAt && (
              <p className="status-due">
                <span className="muted">{k.turn === k.role ? 'Answer by ' : 'Deadline: '}</span>
                <Countdown dueAt={k.dueAt} />
              </p>
            )}
            {k.appealDeadline && !k.final && (
              <p className="status-due">
                <span className="muted">Appeals close </span>
                <Countdown dueAt={k.appealDeadline} />
              </p>
            )}
            {outcome && <p className="status-outcome">{outcome}</p>}
            {k.offer && (
              <p className="status-offer">
                Open offer: <strong>{money(k.offer.amount, k.offer.currency)}</strong> refund from {k.merchant.name}.
              </p>
            )}
          </section>

          <BankAlertBanner c={k} onChanged={() => void reload()} />

          <ChargebackResponses caseId={k.id} role={k.role} />
          <Assignment
            c={k}
            onDone={(next, note) => {
              seen.current = next.version;
              setValue({ state: 'ready', data: next });
              setNotice(note);
            }}
          />

          <Actions
            c={k}
            onDone={(next, note) => {
              seen.current = next.version;
              setValue({ state: 'ready', data: next });
              setNotice(note);
            }}
          />

          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title" className="card-title">
              Timeline
            </h2>
            <ol className="timeline">
              {timeline.map((e) => (
                <TimelineItem key={e.id} e={e} c={k} />
              ))}
            </ol>
          </section>
        </div>

        <aside className="case-side" aria-label="Payment and parties">
          {k.role === 'staff' && <ContextCard c={k} />}
          <section className="card" aria-labelledby="payment-title">
            <h2 id="payment-title" className="card-title">
              Payment
            </h2>
            <dl className="facts">
              <dt>Product</dt>
              <dd>{k.payment.productName}</dd>
              <dt>Amount</dt>
              <dd>{money(k.payment.amount, k.payment.currency)}</dd>
              {k.payment.refundedAmount > 0 && (
                <>
                  <dt>Refunded</dt>
                  <dd>{money(k.payment.refundedAmount, k.payment.currency)}</dd>
                </>
              )}
              <dt>Paid</dt>
              <dd>{dateTime(k.payment.paidAt, me.user.timeZone)}</dd>
              <dt>Method</dt>
              <dd>{PROVIDER_LABELS[k.payment.provider] ?? k.payment.provider}</dd>
              <dt>Customer</dt>
              <dd>{k.customer.name}</dd>
              <dt>Merchant</dt>
              <dd>{k.merchant.name}</dd>
              <dt>Opened</dt>
              <dd>{dateTime(k.createdAt, me.user.timeZone)}</dd>
              <dt>You are</dt>
              <dd>{k.role === 'staff' ? 'platform staff' : `the ${k.role}`}</dd>
            </dl>
          </section>
          <SystemEvidenceCard caseId={k.id} role={k.role} />
          <CaseFileCard caseId={k.id} role={k.role} />
        </aside>
      </div>
    </>
  );
}
