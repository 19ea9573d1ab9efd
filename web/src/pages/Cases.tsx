import { type Case, all } from '../api';
import { ISSUE_LABELS, date, money } from '../format';
import { Link } from '../router';
import { useMe } from '../session';
import { Countdown, Empty, ErrorBox, Loading, PageHeader, StatusPill, useLoad } from '../ui';

export function turnWords(c: Case, role: 'customer' | 'merchant' | 'staff' | null): string {
  if (!c.turn) return c.final ? 'Closed' : 'Decided · can be appealed';
  if (c.turn === role) return 'Your turn';
  if (c.turn === 'customer') return 'Waiting for the customer';
  if (c.turn === 'merchant') return 'Waiting for the merchant';
  return 'With the platform';
}

export function CasesPage() {
  const me = useMe();
  const { value, reload } = useLoad(() => all<Case>('/cases?role=customer'), []);
  return (
    <>
      <PageHeader
        title="My cases"
        subtitle="Every case you opened, newest first."
        actions={
          <Link className="btn btn-secondary" to="/orders">
            Open a new case
          </Link>
        }
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && value.data.length === 0 && (
        <Empty title="No cases">
          When something goes wrong with a purchase, open a case from <Link to="/orders">My orders</Link>.
        </Empty>
      )}
      {value.state === 'ready' && value.data.length > 0 && (
        <ul className="case-list" aria-label="Cases">
          {value.data.map((c) => (
            <li key={c.id}>
              <Link to={`/cases/${c.id}`} className="card case-row">
                <div className="case-row-main">
                  <span className="case-row-title">{c.payment.productName}</span>
                  <span className="muted small">
                    {c.merchant.name} · {ISSUE_LABELS[c.issueType].title} · opened {date(c.createdAt, me.user.timeZone)}
                  </span>
                </div>
                <div className="case-row-side">
                  <StatusPill c={c} />
                  <span className={`small ${c.turn === 'customer' ? 'text-strong' : 'muted'}`}>
                    {turnWords(c, 'customer')}
                    {c.dueAt && c.turn === 'customer' && (
                      <>
                        {' · '}
                        <Countdown dueAt={c.dueAt} compact />
                      </>
                    )}
                  </span>
                </div>
                <span className="amount case-row-amount">{money(c.payment.amount, c.payment.currency)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
