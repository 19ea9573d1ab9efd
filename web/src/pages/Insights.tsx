import { useState } from 'react';
import { type InsightsView, api } from '../api';
import { ISSUE_LABELS, duration, money } from '../format';
import { useMe } from '../session';
import { ErrorBox, Loading, PageHeader, useLoad } from '../ui';

type Window = InsightsView['window'];
type Group = InsightsView['byIssueType'][number];

const OUTCOMES: [keyof InsightsView['outcomes'], string, string][] = [
  ['customer_won', 'Refunded to the customer', 'var(--c-won)'],
  ['merchant_won', 'In your favour', 'var(--c-accent)'],
  ['customer_withdrew', 'Withdrawn by the customer', 'var(--c-muted)'],
  ['chargeback_filed', 'Went to a chargeback', 'var(--c-danger)'],
];

/** 0.0123 → "1.23 %". */
export const percent = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(2)} %`);

function refundedText(r: Record<string, number>): string {
  const parts = Object.entries(r).map(([currency, amount]) => money(amount, currency));
  return parts.length ? parts.join(' + ') : '—';
}

/** Where a rate stands against the networks' monitoring thresholds. */
function band(rate: number | null, t: InsightsView['thresholds']): 'ok' | 'warn' | 'danger' {
  if (rate === null || rate < t.visa) return 'ok';
  return rate < t.mastercard ? 'warn' : 'danger';
}

const BAND_WORDS = {
  ok: 'below Visa’s 0.9 % monitoring threshold',
  warn: 'above Visa’s 0.9 % threshold — in the warning band',
  danger: 'above Mastercard’s 1.5 % threshold',
};

/** A horizontal gauge: the green, amber and red bands of the thresholds, and where the rate stands. */
function RateGauge({ label, rate, thresholds }: { label: string; rate: number | null; thresholds: InsightsView['thresholds'] }) {
  const max = Math.max(0.03, (rate ?? 0) * 1.15);
  const x = (v: number) => (Math.min(v, max) / max) * 100;
  const b = band(rate, thresholds);
  return (
    <div className={`card stat rate rate-${b}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{percent(rate)}</span>
      <svg
        className="gauge"
        viewBox="0 0 100 14"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${label} ${percent(rate)}, ${BAND_WORDS[b]}`}
      >
        <rect x="0" y="3" width={x(thresholds.visa)} height="8" fill="var(--c-won-soft)" />
        <rect x={x(thresholds.visa)} y="3" width={x(thresholds.mastercard) - x(thresholds.visa)} height="8" fill="var(--c-warn-soft)" />
        <rect x={x(thresholds.mastercard)} y="3" width={100 - x(thresholds.mastercard)} height="8" fill="var(--c-danger-soft)" />
        <line x1={x(thresholds.visa)} x2={x(thresholds.visa)} y1="1" y2="13" stroke="var(--c-warn)" strokeWidth="0.6" />
        <line x1={x(thresholds.mastercard)} x2={x(thresholds.mastercard)} y1="1" y2="13" stroke="var(--c-danger)" strokeWidth="0.6" />
        {rate !== null && <rect x={Math.max(0, x(rate) - 0.8)} y="0" width="1.6" height="14" fill="var(--c-text)" />}
      </svg>
      <span className={`small band-${b}`}>{BAND_WORDS[b]}</span>
    </div>
  );
}

function WeeklyChart({ weeks, timeZone }: { weeks: InsightsView['weekly']; timeZone: string }) {
  const max = Math.max(1, ...weeks.map((w) => w.opened));
  const fmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone });
  return (
    <figure className="chart">
      <div
        className="bars"
        role="img"
        aria-label={`Cases opened per week, ${weeks.length} weeks: ${weeks.map((w) => `${w.opened} (${percent(w.disputeRate)} of payments)`).join(', ')}`}
      >
        {weeks.map((w) => (
          <div key={w.weekStart} className="bar-col" title={`${w.opened} cases, ${w.payments} payments, ${w.chargebacks} chargebacks`}>
            <span className="bar-value">{w.opened || ''}</span>
            <div className={`bar${w.chargebacks ? ' bar-chargeback' : ''}`} style={{ height: `${(w.opened / max) * 100}%` }} />
            <span className="bar-label">{fmt.format(new Date(w.weekStart))}</span>
          </div>
        ))}
      </div>
      <figcaption className="muted small">Cases opened per week (weeks start on Monday); red: a week with a chargeback</figcaption>
    </figure>
  );
}

function GroupTable({ title, id, groups, label }: { title: string; id: string; groups: Group[]; label: (key: string) => string }) {
  return (
    <section className="card table-card" aria-labelledby={id}>
      <h2 id={id} className="card-title pad">
        {title}
      </h2>
      {/* Focusable: a narrow screen scrolls the table sideways, and keyboard users must reach it too. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title}, table`}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{title.replace(/^By /, '')}</th>
              <th scope="col" className="num">
                Cases
              </th>
              <th scope="col" className="num">
                Refunded
              </th>
              <th scope="col" className="num">
                In your favour
              </th>
              <th scope="col" className="num">
                Chargebacks
              </th>
            </tr>
          </thead>
          <tbody>
            {groups.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No cases in this window.
                </td>
              </tr>
            )}
            {groups.map((g) => (
              <tr key={g.key}>
                <td>{label(g.key)}</td>
                <td className="num">{g.cases}</td>
                <td className="num">{refundedText(g.refunded)}</td>
                <td className="num">{g.outcomes.merchant_won}</td>
                <td className="num">{g.outcomes.chargeback_filed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function InsightsPage() {
  const me = useMe();
  const [merchantId, setMerchantId] = useState(me.merchants[0]?.id ?? '');
  const [window, setWindow] = useState<Window>('30d');
  const { value, reload } = useLoad(
    () => api<InsightsView>('GET', `/merchants/${encodeURIComponent(merchantId)}/insights?window=${window}`),
    [merchantId, window],
  );
  return (
    <>
      <PageHeader
        title="Insights"
        subtitle="How your cases go: answer fast and most cases settle without the platform."
        actions={
          <div className="field-inline">
            {me.merchants.length > 1 && (
              <>
                <label htmlFor="merchant">Merchant</label>
                <select id="merchant" value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
                  {me.merchants.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </>
            )}
            <label htmlFor="window">Period</label>
            <select id="window" value={window} onChange={(e) => setWindow(e.target.value as Window)}>
              <option value="30d">Last 30 days</option>
              <option value="90d">Last 90 days</option>
            </select>
          </div>
        }
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && (
        <>
          <div className="stat-grid">
            <RateGauge label="Dispute rate" rate={value.data.disputeRate} thresholds={value.data.thresholds} />
            <RateGauge label="Chargeback rate" rate={value.data.chargebackRate} thresholds={value.data.thresholds} />
            <div className="card stat">
              <span className="stat-label">Cases and payments</span>
              <span className="stat-value">{value.data.cases}</span>
              <span className="muted small">
                cases over {value.data.payments} payments; {value.data.chargebacks} chargebacks, {value.data.inquiriesPrevented} inquiries
                settled before one
              </span>
            </div>
          </div>
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
              <span className="stat-label">Refunded</span>
              <span className="stat-value">{refundedText(value.data.refunded)}</span>
              <span className="muted small">to customers in this period</span>
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
          <div className="two-col-even">
            <GroupTable
              title="By issue type"
              id="by-issue"
              groups={value.data.byIssueType}
              label={(k) => ISSUE_LABELS[k as keyof typeof ISSUE_LABELS]?.title ?? k}
            />
            <GroupTable title="By product" id="by-product" groups={value.data.byProduct} label={(k) => k} />
          </div>
        </>
      )}
    </>
  );
}
