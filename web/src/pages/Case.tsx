import { useEffect, useRef, useState } from 'react';
import { type Attachment, type Case, type CaseEvent, api, attachmentUrl } from '../api';
import { downloadName } from '../../../src/files/download-name';
import { ISSUE_LABELS, PROVIDER_LABELS, bytes, statusLabel, dateTime, money } from '../format';
import { Link, useLocation } from '../router';
import { useMe } from '../session';
import { appConfig } from '../config';
import { Alert, Countdown, ErrorBox, Loading, StatusPill, useLoad } from '../ui';
import { eventWords } from './caseWords';
import { CaseFileCard, SystemEvidenceCard } from './CaseEvidence';
import { BankAlertBanner } from './BankAlerts';
import { Actions } from './case/ActionForm';
import { Assignment } from './case/Assignment';
import { ChargebackResponses } from './ChargebackResponse';
import { ContextCard } from './Tools';

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
