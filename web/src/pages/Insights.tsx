import { useState } from 'react';
import { type InsightsView, api } from '../api';
import { duration } from '../format';
import { useMe } from '../session';
import { ErrorBox, Loading, PageHeader, useLoad } from '../ui';

const OUTCOMES: [keyof InsightsView['outcomes'], string, string][] = [
  ['customer_won', 'Refunded to the customer', 'var(--c-won)'],
  ['merchant_won', 'In your favour', 'var(--c-accent)'],
  ['customer_withdrew', 'Withdrawn by the customer', 'var(--c-muted)'],
  ['chargeback_filed', 'Went to a chargeback', 'var(--c-danger)'],
];

function WeeklyChart({ weeks, timeZone }: { weeks: InsightsView['weekly']; timeZone: string }) {
  const max = Math.max(1, ...weeks.map((w) => w.opened));
  const fmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone });
  return (
    <figure className="chart">
      <div
        className="bars"
        role="img"
        aria-label={`Cases opened per week, last ${weeks.length} weeks: ${weeks.map((w) => w.opened).join(', ')}`}
      >
        {weeks.map((w) => (
          <div key={w.weekStart} className="bar-col">
            <span className="bar-value">{w.opened || ''}</span>
            <div className="bar" style={{ height: `${(w.opened / max) * 100}%` }} />
            <span className="bar-label">{fmt.format(new Date(w.weekStart))}</span>
          </div>
        ))}
      </div>
      <figcaption className="muted small">Cases opened per week (weeks start on Monday)</figcaption>
    </figure>
  );
}

export function InsightsPage() {
  const me = useMe();
  const [merchantId, setMerchantId] = useState(me.merchants[0]?.id ?? '');
  const { value, reload } = useLoad(() => api<InsightsView>('GET', `/merchants/${encodeURIComponent(merchantId)}/insights`), [merchantId]);
  return (
    <>
      <PageHeader
        title="Insights"
        subtitle="How your cases go: answer fast and most cases settle without the platform."
        actions={
          me.merchants.length > 1 && (
            <div className="field-inline">
              <label htmlFor="merchant">Merchant</label>
              <select id="merchant" value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
                {me.merchants.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
          )
        }
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && (
        <>
          <div className="stat-grid">
            <div className="card stat">
              <span className="stat-label">Open cases</span>
              <span className="stat-value">{value.data.openCases}</span>
              <span className="muted small">{value.data.awaitingMerchant} waiting for you</span>
            </div>
            <div className="card stat">
              <span className="stat-label">Median first response</span>
              <span className="stat-value">
                {value.data.medianFirstResponseMs === null ? '—' : duration(value.data.medianFirstResponseMs)}
              </span>
              <span className="muted small">over {value.data.answeredCases} answered cases</span>
            </div>
            <div className="card stat">
              <span className="stat-label">All cases</span>
              <span className="stat-value">{value.data.totalCases}</span>
              <span className="muted small">since you joined</span>
            </div>
          </div>
          <div className="two-col-even">
            <section className="card" aria-labelledby="weekly-title">
              <h2 id="weekly-title" className="card-title">
                Cases per week
              </h2>
              <WeeklyChart weeks={value.data.weekly} timeZone={me.user.timeZone} />
            </section>
            <section className="card" aria-labelledby="outcomes-title">
              <h2 id="outcomes-title" className="card-title">
                Outcomes
              </h2>
              <ul className="outcomes">
                {OUTCOMES.map(([k, label, color]) => {
                  const n = value.data.outcomes[k];
                  const closed = Object.values(value.data.outcomes).reduce((a, b) => a + b, 0);
                  return (
                    <li key={k}>
                      <div className="outcome-head">
                        <span>{label}</span>
                        <strong>{n}</strong>
                      </div>
                      <div className="meter" aria-hidden="true">
                        <div style={{ width: `${closed ? (n / closed) * 100 : 0}%`, background: color }} />
                      </div>
                    </li>
                  );
                })}
              </ul>
            </section>
          </div>
        </>
      )}
    </>
  );
}
