import { type CreditsView, api } from '../api';
import { dateTime, money } from '../format';
import { Link } from '../router';
import { useMe } from '../session';
import { ErrorBox, Loading, PageHeader, useLoad } from '../ui';

export function CreditsPage() {
  const me = useMe();
  const { value, reload } = useLoad(() => api<CreditsView>('GET', '/credits'), []);
  return (
    <>
      <PageHeader
        title="Credits"
        subtitle="Platform credit from decided cases. It is funded by the platform and can be spent on any purchase."
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && (
        <>
          <section aria-labelledby="balance-title" className="stat-grid">
            <h2 id="balance-title" className="visually-hidden">
              Balance
            </h2>
            {value.data.balances.length === 0 ? (
              <div className="card stat">
                <span className="stat-label">Balance</span>
                <span className="stat-value">{money(0, 'USD')}</span>
              </div>
            ) : (
              value.data.balances.map((b) => (
                <div className="card stat" key={b.currency}>
                  <span className="stat-label">Balance in {b.currency}</span>
                  <span className="stat-value">{money(b.amount, b.currency)}</span>
                </div>
              ))
            )}
          </section>
          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title" className="card-title">
              History
            </h2>
            {value.data.entries.length === 0 ? (
              <p className="muted">No credit yet. When our team decides a case with a platform credit, it appears here.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Date</th>
                      <th scope="col">Case</th>
                      <th scope="col" className="num">
                        Amount
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {value.data.entries.map((e) => (
                      <tr key={e.id}>
                        <td>{dateTime(e.createdAt, me.user.timeZone)}</td>
                        <td>
                          <Link to={`/cases/${e.caseId}`}>{e.caseId}</Link>
                        </td>
                        <td className="num">{money(e.amount, e.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
