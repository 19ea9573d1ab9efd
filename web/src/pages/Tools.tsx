/** SPEC §16 in the web app: the customer's context beside a case, saved replies in the reply box, and their management page. */
import { useState } from 'react';
import type { z } from 'zod';
import type { CaseContext, SavedReply as SavedReplySchema } from '../../../src/http/routes/tools';
import { fillReply, replyValues } from '../../../src/domain/saved-replies';
import { ApiError, type Case, api } from '../api';
import { STATUS_LABELS, dateTime, duration } from '../format';
import { Link } from '../router';
import { useMe, useNow } from '../session';
import { Alert, Empty, ErrorBox, FieldError, Loading, PageHeader, useLoad } from '../ui';
import { percent } from './Insights';

type Context = z.infer<typeof CaseContext>;
export type SavedReply = z.infer<typeof SavedReplySchema>;

const DAY = 24 * 60 * 60 * 1000;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "5 cases in 90 days at 4 merchants, 2 chargebacks after a denial": the serial-disputer signal in words. */
export function disputerWords(c: Context['customer'], now: number): string {
  const recent = c.recent.filter((r) => now - Date.parse(r.createdAt) <= 90 * DAY);
  const merchants = new Set(recent.map((r) => r.merchant.id)).size;
  const capped = recent.length === c.recent.length && c.cases.total > c.recent.length ? '+' : '';
  const cases = `${recent.length}${capped} case${recent.length === 1 && !capped ? '' : 's'} in 90 days at ${plural(merchants, 'merchant')}`;
  return `${cases}, ${plural(c.cases.chargebacksAfterDenial, 'chargeback')} after a denial`;
}

export function ContextCard({ c }: { c: Case }) {
  const me = useMe();
  const now = useNow(60_000);
  const { value } = useLoad(() => api<Context>('GET', `/cases/${encodeURIComponent(c.id)}/context`), [c.id, c.version]);
  if (c.role !== 'staff') return null;
  return (
    <section className="card context" aria-labelledby="context-title">
      <h2 id="context-title" className="card-title">
        Who is this customer?
      </h2>
      {value.state === 'loading' && <p className="muted small">Loading…</p>}
      {value.state === 'error' && <p className="field-error">The customer’s history could not be loaded.</p>}
      {value.state === 'ready' && (
        <>
          <p className={`context-signal ${value.data.customer.cases.chargebacksAfterDenial > 0 ? 'context-signal-warn' : ''}`}>
            {disputerWords(value.data.customer, now)}
          </p>
          <dl className="facts">
            <dt>Cases, all time</dt>
            <dd>
              {value.data.customer.cases.total}: {value.data.customer.cases.won} won, {value.data.customer.cases.lost} lost,{' '}
              {value.data.customer.cases.withdrawn} withdrawn
            </dd>
            <dt>Chargebacks</dt>
            <dd>{value.data.customer.cases.chargebacks}</dd>
            <dt>Payments with a case</dt>
            <dd>
              {value.data.customer.payments.withCases} of {value.data.customer.payments.total}
            </dd>
          </dl>
          {value.data.customer.recent.length > 1 && (
            <>
              <h3 className="small-title">Latest cases</h3>
              <ul className="context-recent">
                {value.data.customer.recent
                  .filter((r) => r.caseId !== c.id)
                  .slice(0, 5)
                  .map((r) => (
                    <li key={r.caseId}>
                      <Link to={`/cases/${r.caseId}`}>{r.merchant.name}</Link>{' '}
                      <span className="muted small">
                        {STATUS_LABELS[r.status]} · {dateTime(r.createdAt, me.user.timeZone)}
                      </span>
                    </li>
                  ))}
              </ul>
            </>
          )}
          <h3 className="small-title">{value.data.merchant.name}, last 90 days</h3>
          <dl className="facts">
            <dt>Dispute rate</dt>
            <dd>{percent(value.data.merchant.disputeRate)}</dd>
            <dt>Chargeback rate</dt>
            <dd>{percent(value.data.merchant.chargebackRate)}</dd>
            <dt>Median first response</dt>
            <dd>{value.data.merchant.medianFirstResponseMs === null ? '—' : duration(value.data.merchant.medianFirstResponseMs)}</dd>
            <dt>Cases lost</dt>
            <dd>{percent(value.data.merchant.lostShare)}</dd>
          </dl>
        </>
      )}
    </section>
  );
}

/** Where the saved replies for this case live: the merchant's for its members, staff's for staff. */
function repliesPath(c: Case): string | null {
  if (c.role === 'merchant') return `/merchants/${encodeURIComponent(c.merchant.id)}/saved-replies`;
  if (c.role === 'staff') return '/staff/saved-replies';
  return null;
}

/** The reply box's saved replies: picking one fills the message with the case's values. */
export function SavedReplyPicker({ c, onPick }: { c: Case; onPick: (text: string) => void }) {
  const me = useMe();
  const path = repliesPath(c);
  const { value } = useLoad(() => (path ? api<{ data: SavedReply[] }>('GET', path) : Promise.resolve({ data: [] })), [path]);
  if (!path || value.state !== 'ready' || value.data.data.length === 0) return null;
  const values = replyValues(c, (iso) => dateTime(iso, me.user.timeZone));
  return (
    <div className="field">
      <label htmlFor="saved-reply">Saved reply</label>
      <select
        id="saved-reply"
        defaultValue=""
        onChange={(e) => {
          const r = value.data.data.find((x) => x.id === e.target.value);
          if (r) onPick(fillReply(r.body, values));
        }}
      >
        <option value="">Choose one to fill in the message…</option>
        {value.data.data.map((r) => (
          <option key={r.id} value={r.id}>
            {r.title}
          </option>
        ))}
      </select>
    </div>
  );
}

function ReplyForm({
  initial,
  onSave,
  submit,
}: {
  initial?: SavedReply;
  onSave: (b: { title: string; body: string }) => Promise<void>;
  submit: string;
}) {
  const [title, setTitle] = useState(initial?.title ?? '');
  const [body, setBody] = useState(initial?.body ?? '');
  const [error, setError] = useState<ApiError | null>(null);
  const id = initial?.id ?? 'new';
  return (
    <form
      className="reply-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        onSave({ title, body }).then(
          () => {
            if (!initial) {
              setTitle('');
              setBody('');
            }
          },
          (err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err))),
        );
      }}
    >
      {error && !error.errors.length && <Alert tone="error">{error.message}</Alert>}
      <div className="field">
        <label htmlFor={`title-${id}`}>Title</label>
        <input
          id={`title-${id}`}
          value={title}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          aria-invalid={!!error?.field('title')}
        />
        <FieldError id={`title-error-${id}`} message={error?.field('title')} />
      </div>
      <div className="field">
        <label htmlFor={`body-${id}`}>Text</label>
        <textarea
          id={`body-${id}`}
          rows={4}
          maxLength={5000}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          aria-invalid={!!error?.field('body')}
        />
        <FieldError id={`body-error-${id}`} message={error?.field('body')} />
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary">
          {submit}
        </button>
      </div>
    </form>
  );
}

export function RepliesPage() {
  const me = useMe();
  const owners = [
    ...(me.isStaff ? [{ path: '/staff/saved-replies', name: 'Staff' }] : []),
    ...me.merchants.map((m) => ({ path: `/merchants/${encodeURIComponent(m.id)}/saved-replies`, name: m.name })),
  ];
  const [path, setPath] = useState(owners[0]?.path ?? '');
  const [editing, setEditing] = useState<string | null>(null);
  const { value, reload } = useLoad(() => (path ? api<{ data: SavedReply[] }>('GET', path) : Promise.resolve({ data: [] })), [path]);
  return (
    <>
      <PageHeader
        title="Saved replies"
        subtitle="Texts to answer cases with. Variables are filled in from the case: {{customer.name}}, {{merchant.name}}, {{payment.amount}}, {{case.dueAt}}."
        actions={
          owners.length > 1 && (
            <div className="field-inline">
              <label htmlFor="owner">For</label>
              <select id="owner" value={path} onChange={(e) => setPath(e.target.value)}>
                {owners.map((o) => (
                  <option key={o.path} value={o.path}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
          )
        }
      />
      {owners.length === 0 && <Empty title="Nothing to manage">Saved replies are for merchants and staff.</Empty>}
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && path && (
        <div className="two-col-even">
          <section className="card" aria-labelledby="replies-title">
            <h2 id="replies-title" className="card-title">
              {plural(value.data.data.length, 'saved reply', 'saved replies')}
            </h2>
            {value.data.data.length === 0 && <p className="muted">None yet: add one.</p>}
            <ul className="replies">
              {value.data.data.map((r) => (
                <li key={r.id} className="reply-item">
                  {editing === r.id ? (
                    <ReplyForm
                      initial={r}
                      submit="Save changes"
                      onSave={async (b) => {
                        await api('PATCH', `${path}/${r.id}`, b);
                        setEditing(null);
                        await reload();
                      }}
                    />
                  ) : (
                    <>
                      <strong>{r.title}</strong>
                      <p className="reply-body">{r.body}</p>
                      <div className="action-buttons">
                        <button type="button" className="btn btn-secondary" onClick={() => setEditing(r.id)}>
                          Edit <span className="visually-hidden">{r.title}</span>
                        </button>
                        <button
                          type="button"
                          className="btn btn-danger-outline"
                          onClick={() => void api('DELETE', `${path}/${r.id}`).then(() => reload())}
                        >
                          Delete <span className="visually-hidden">{r.title}</span>
                        </button>
                      </div>
                    </>
                  )}
                </li>
              ))}
            </ul>
          </section>
          <section className="card" aria-labelledby="new-reply-title">
            <h2 id="new-reply-title" className="card-title">
              New saved reply
            </h2>
            <ReplyForm
              submit="Add saved reply"
              onSave={async (b) => {
                await api('POST', path, b);
                await reload();
              }}
            />
          </section>
        </div>
      )}
    </>
  );
}
