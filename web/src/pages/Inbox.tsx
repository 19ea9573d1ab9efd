import { useState } from 'react';
import { type Case, all } from '../api';
import { ISSUE_LABELS, STATUS_LABELS, date, money } from '../format';
import { Link } from '../router';
import { useMe, useNow } from '../session';
import { Countdown, Empty, ErrorBox, Loading, PageHeader, StatusPill, isUrgent, useLoad } from '../ui';
import { turnWords } from './Cases';
import { InboxAlerts } from './BankAlerts';

type Filter = 'needs_you' | 'waiting' | 'review' | 'closed' | 'all';
const FILTERS: [Filter, string, (c: Case) => boolean][] = [
  ['needs_you', 'Needs your reply', (c) => c.turn === 'merchant'],
  ['waiting', 'Waiting for customer', (c) => c.turn === 'customer'],
  ['review', 'With the platform', (c) => c.turn === 'staff' || (c.turn === null && !c.final)],
  ['closed', 'Closed', (c) => c.final],
  ['all', 'All', () => true],
];

/** Soonest deadline first; cases without one (closed, with staff) after, newest first. */
function byDeadline(a: Case, b: Case): number {
  if (a.dueAt && b.dueAt) return Date.parse(a.dueAt) - Date.parse(b.dueAt);
  if (a.dueAt) return -1;
  if (b.dueAt) return 1;
  return Date.parse(b.updatedAt) - Date.parse(a.updatedAt);
}

export function InboxPage() {
  const me = useMe();
  const now = useNow(30_000);
  const [filter, setFilter] = useState<Filter>('needs_you');
  const [status, setStatus] = useState<Case['status'] | ''>('');
  const { value, reload } = useLoad(() => all<Case>('/cases?role=merchant'), [], 15_000);

  const cases = value.state === 'ready' ? value.data : [];
  const counts = Object.fromEntries(FILTERS.map(([k, , f]) => [k, cases.filter(f).length])) as Record<Filter, number>;
  const test = FILTERS.find(([k]) => k === filter)?.[2] ?? (() => true);
  const shown = cases.filter((c) => test(c) && (!status || c.status === status)).sort(byDeadline);
  const urgent = cases.filter((c) => c.turn === 'merchant' && isUrgent(c.dueAt, now)).length;

  return (
    <>
      <PageHeader
        title="Cases inbox"
        subtitle={
          value.state === 'ready'
            ? `${counts.needs_you} waiting for your reply${urgent ? `, ${urgent} due within 48 hours` : ''}. Answer before the deadline or the platform decides for you.`
            : 'Cases about your sales, soonest deadline first.'
        }
      />
      <InboxAlerts />
      <div className="toolbar">
        <div className="tabs" role="group" aria-label="Show cases">
          {FILTERS.map(([k, label]) => (
            <button
              key={k}
              type="button"
              className={`tab ${filter === k ? 'tab-on' : ''}`}
              aria-pressed={filter === k}
              onClick={() => setFilter(k)}
            >
              {label} <span className="count">{counts[k]}</span>
            </button>
          ))}
        </div>
        <div className="field-inline">
          <label htmlFor="status-filter">Status</label>
          <select id="status-filter" value={status} onChange={(e) => setStatus(e.target.value as Case['status'] | '')}>
            <option value="">Any status</option>
            {(Object.keys(STATUS_LABELS) as Case['status'][]).map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && shown.length === 0 && (
        <Empty title={filter === 'needs_you' ? 'You’re all caught up' : 'Nothing here'}>
          {filter === 'needs_you' ? 'No case is waiting for your reply.' : 'No case matches this filter.'}
        </Empty>
      )}
      {shown.length > 0 && (
        <div className="card table-card">
          <div className="table-wrap">
            <table className="table inbox">
              <caption className="visually-hidden">Cases, soonest deadline first</caption>
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Status</th>
                  <th scope="col">Deadline</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((c) => {
                  const hot = c.turn === 'merchant' && isUrgent(c.dueAt, now);
                  return (
                    <tr key={c.id} className={hot ? 'row-urgent' : undefined}>
                      <td>
                        <Link to={`/cases/${c.id}`} className="row-link">
                          {c.payment.productName}
                        </Link>
                        <div className="muted small">
                          {c.customer.name} · {ISSUE_LABELS[c.issueType].title} · {date(c.createdAt, me.user.timeZone)}
                        </div>
                      </td>
                      <td>
                        <StatusPill c={c} />
                        <div className={`small ${c.turn === 'merchant' ? 'text-strong' : 'muted'}`}>{turnWords(c, 'merchant')}</div>
                      </td>
                      <td>
                        {c.dueAt ? (
                          <>
                            {hot && <span className="badge badge-urgent">Urgent</span>} <Countdown dueAt={c.dueAt} compact />
                          </>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td className="num">{money(c.payment.amount, c.payment.currency)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}
