import { type OrderView, all } from '../api';
import { INELIGIBLE, PROVIDER_LABELS, date, money } from '../format';
import { Link } from '../router';
import { useMe } from '../session';
import { Empty, ErrorBox, Loading, PageHeader, useLoad } from '../ui';

export function OrdersPage() {
  const me = useMe();
  const { value, reload } = useLoad(async () => ({ data: await all<OrderView>('/orders') }), []);
  return (
    <>
      <PageHeader title="My orders" subtitle="Something wrong with a purchase? Open a case and the seller has 7 days to answer." />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && value.data.data.length === 0 && <Empty title="No orders yet">Your purchases will appear here.</Empty>}
      {value.state === 'ready' && value.data.data.length > 0 && (
        <ul className="order-list" aria-label="Orders">
          {value.data.data.map((o) => (
            <li key={o.id} className="card order">
              <div className="order-main">
                <h2 className="order-title">{o.productName}</h2>
                <p className="muted small">
                  {o.merchant.name} · {date(o.paidAt, me.user.timeZone)} · {PROVIDER_LABELS[o.provider] ?? o.provider}
                </p>
              </div>
              <div className="order-amount">
                <span className="amount">{money(o.amount, o.currency)}</span>
                {o.refundedAmount > 0 && <span className="muted small">{money(o.refundedAmount, o.currency)} refunded</span>}
              </div>
              <div className="order-action">
                {o.eligibility.eligible ? (
                  <Link
                    className="btn btn-primary"
                    to={`/orders/${encodeURIComponent(o.id)}/open`}
                    aria-label={`Open a case for ${o.productName}`}
                  >
                    Open a case
                  </Link>
                ) : (
                  <p className="ineligible small" data-reason={o.eligibility.reason ?? undefined}>
                    {INELIGIBLE[o.eligibility.reason ?? ''] ?? 'A case can’t be opened for this payment.'}
                    {o.caseId && (
                      <>
                        {' '}
                        <Link to={`/cases/${o.caseId}`}>View the case</Link>
                      </>
                    )}
                  </p>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
