/** The case's "What you can do" card: a button per available action and the form that acts on the open one. */
import { useEffect, useRef, useState } from 'react';
import { ApiError, type ActionType, type Case } from '../../api';
import { ACTIONS } from '../../../../src/domain/case-actions';
import { FileDrop, type FilesState } from '../../files';
import { exponent, money, parseMajor } from '../../format';
import { Alert, FieldError } from '../../ui';
import { type ActionUi, actionUi } from '../caseWords';
import { SavedReplyPicker } from '../Tools';
import { type OnActed, actOn, asApiError } from './act';

function ActionForm({ type, ui, c, onDone }: { type: ActionType; ui: ActionUi; c: Case; onDone: OnActed }) {
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
    // The domain's table says when a message is needed (`respond`: a message or a file), as the server checks it.
    const rule = ACTIONS[type].message;
    if (message.trim()) body.message = message.trim();
    else if (rule === 'required' || (rule === 'unless_files' && files.ids.length === 0))
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
      setError(asApiError(err));
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

const ASSIGNMENT: readonly ActionType[] = ['claim', 'assign'];

export function Actions({ c, onDone }: { c: Case; onDone: OnActed }) {
  const [open, setOpen] = useState<ActionType | null>(null);
  const actions = c.availableActions.filter((a) => !ASSIGNMENT.includes(a));
  // An action the case no longer offers (someone else acted) closes its form.
  if (open && !actions.includes(open)) setOpen(null);
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
