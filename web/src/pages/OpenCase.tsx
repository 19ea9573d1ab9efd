import { useState } from 'react';
import { ApiError, type Case, type OrderView, all, api } from '../api';
import { FileDrop, type FilesState } from '../files';
import { INELIGIBLE, ISSUE_LABELS, PROVIDER_LABELS, date, money } from '../format';
import { Link, navigate } from '../router';
import { useMe } from '../session';
import { Alert, ErrorBox, FieldError, Loading, PageHeader, useLoad } from '../ui';

const MIN = 10;
const MAX = 5000;

export function OpenCasePage({ paymentId }: { paymentId: string }) {
  const me = useMe();
  const { value } = useLoad(async () => {
    const order = (await all<OrderView>('/orders')).find((o) => o.id === paymentId);
    if (!order) throw new ApiError(404, 'not_found', 'No such order.');
    return order;
  }, [paymentId]);
  const [issueType, setIssueType] = useState<Case['issueType'] | ''>('');
  const [description, setDescription] = useState('');
  const [files, setFiles] = useState<FilesState>({ ids: [], busy: false });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (value.state === 'loading') return <Loading />;
  if (value.state === 'error') return <ErrorBox error={value.error} />;
  const order = value.data;
  const length = description.trim().length;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const errors = [];
    if (!issueType) errors.push({ path: 'issueType', message: 'Choose what went wrong.' });
    if (length < MIN) errors.push({ path: 'description', message: `Describe the problem in at least ${MIN} characters.` });
    if (errors.length) {
      setError(new ApiError(400, 'validation_failed', 'Check the highlighted fields.', errors));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const c = await api<Case>('POST', '/cases', { paymentId, issueType, description, attachmentIds: files.ids });
      navigate(`/cases/${c.id}?opened=1`);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
      setBusy(false);
    }
  };

  return (
    <>
      <p className="breadcrumb">
        <Link to="/orders">← My orders</Link>
      </p>
      <PageHeader
        title="Open a case"
        subtitle="Tell the seller what went wrong. They have 7 days to answer; if they don’t, our team steps in."
      />
      <div className="two-col">
        <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-describedby={error ? 'form-error' : undefined}>
          {!order.eligibility.eligible && (
            <Alert tone="warning">{INELIGIBLE[order.eligibility.reason ?? ''] ?? 'A case can’t be opened for this payment.'}</Alert>
          )}
          {error && (
            <div id="form-error">
              <Alert tone="error">{error.errors.length ? 'Check the highlighted fields.' : error.message}</Alert>
            </div>
          )}
          <fieldset className="field" aria-describedby={error?.field('issueType') ? 'issue-error' : undefined}>
            <legend className="label">What went wrong?</legend>
            <div className="choice-grid">
              {(Object.keys(ISSUE_LABELS) as Case['issueType'][]).map((k) => (
                <label key={k} className={`choice ${issueType === k ? 'choice-on' : ''}`}>
                  <input type="radio" name="issueType" value={k} checked={issueType === k} onChange={() => setIssueType(k)} />
                  <span className="choice-title">{ISSUE_LABELS[k].title}</span>
                  <span className="choice-hint">{ISSUE_LABELS[k].hint}</span>
                </label>
              ))}
            </div>
            <FieldError id="issue-error" message={error?.field('issueType')} />
          </fieldset>
          <div className="field">
            <label htmlFor="description">Describe the problem</label>
            <p className="hint" id="description-hint">
              What did you expect, what happened, and what would make it right? {MIN}–{MAX.toLocaleString()} characters.
            </p>
            <textarea
              id="description"
              rows={7}
              maxLength={MAX}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              aria-invalid={!!error?.field('description')}
              aria-describedby={`description-hint description-count${error?.field('description') ? ' description-error' : ''}`}
            />
            <div className="counter-row">
              <FieldError id="description-error" message={error?.field('description')} />
              <span id="description-count" className={`counter ${length > 0 && length < MIN ? 'counter-low' : ''}`} aria-live="polite">
                {length.toLocaleString()} / {MAX.toLocaleString()}
              </span>
            </div>
          </div>
          <FileDrop onChange={setFiles} error={error?.field('attachmentIds')} />
          <div className="form-actions">
            <button className="btn btn-primary" type="submit" disabled={busy || files.busy || !order.eligibility.eligible}>
              {busy ? 'Opening…' : files.busy ? 'Waiting for uploads…' : 'Open the case'}
            </button>
            <Link className="btn btn-ghost" to="/orders">
              Cancel
            </Link>
          </div>
        </form>
        <aside className="card summary" aria-label="Payment">
          <h2 className="summary-title">{order.productName}</h2>
          <dl className="facts">
            <dt>Seller</dt>
            <dd>{order.merchant.name}</dd>
            <dt>Amount</dt>
            <dd>{money(order.amount, order.currency)}</dd>
            {order.refundedAmount > 0 && (
              <>
                <dt>Already refunded</dt>
                <dd>{money(order.refundedAmount, order.currency)}</dd>
              </>
            )}
            <dt>Paid</dt>
            <dd>{date(order.paidAt, me.user.timeZone)}</dd>
            <dt>Method</dt>
            <dd>{PROVIDER_LABELS[order.provider] ?? order.provider}</dd>
          </dl>
          <h3 className="small-title">What happens next</h3>
          <ol className="steps small">
            <li>The seller is notified and has 7 days to reply.</li>
            <li>You can talk it through and add evidence here.</li>
            <li>If you can’t agree, ask us to step in. We decide within days.</li>
          </ol>
        </aside>
      </div>
    </>
  );
}
