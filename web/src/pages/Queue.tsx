import { type QueueEntry, api } from '../api';
import { ISSUE_LABELS, REASON_WORDS, dateTime, duration, money } from '../format';
import { Link } from '../router';
import { useMe, useNow } from '../session';
import { Empty, ErrorBox, Loading, PageHeader, StatusPill, useLoad } from '../ui';

const REASONS: Record<QueueEntry['queueReason'], { label: string; tone: string }> = {
  appeal: { label: 'Appeal · needs a second reviewer', tone: 'badge-appeal' },
  escalation: { label: 'Escalated', tone: 'badge-review' },
  remedy_failed: { label: 'Refund failed', tone: 'badge-urgent' },
};

function escalationWhy(c: QueueEntry): string | null {
  const esc = [...(c.timeline ?? [])].reverse().find((e) => e.type === 'escalated' || e.type === 'deadline_passed');
  const reason = esc?.data.reason;
  return typeof reason === 'string' ? (REASON_WORDS[reason] ?? null) : null;
}

export function QueuePage() {
  const me = useMe();
  const now = useNow(60_000);
  const { value, reload } = useLoad(() => api<{ data: QueueEntry[] }>('GET', '/review-queue?limit=100'), [], 15_000);
  const items = value.state === 'ready' ? value.data.data : [];
  const appeals = items.filter((c) => c.queueReason === 'appeal').length;
  const failed = items.filter((c) => c.queueReason === 'remedy_failed').length;
  return (
    <>
      <PageHeader
        title="Review queue"
        subtitle={
          value.state === 'ready'
            ? `${items.length} case${items.length === 1 ? '' : 's'} waiting for staff, oldest first · ${appeals} appeal${appeals === 1 ? '' : 's'} · ${failed} failed refund${failed === 1 ? '' : 's'}`
            : 'Cases waiting for staff, oldest first.'
        }
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && items.length === 0 && <Empty title="The queue is empty">No case is waiting for staff.</Empty>}
      {items.length > 0 && (
        <ol className="queue" aria-label="Cases waiting for staff">
          {items.map((c) => {
            const why = escalationWhy(c);
            return (
              <li key={c.id}>
                <Link to={`/cases/${c.id}`} className={`card queue-item queue-${c.queueReason}`}>
                  <div className="queue-main">
                    <span className={`badge ${REASONS[c.queueReason].tone}`}>{REASONS[c.queueReason].label}</span>
                    <span className="case-row-title">{c.payment.productName}</span>
                    <span className="muted small">
                      {c.customer.name} vs {c.merchant.name} · {ISSUE_LABELS[c.issueType].title}
                      {why ? ` · ${why}` : ''}
                    </span>
                  </div>
                  <div className="queue-side">
                    <StatusPill c={c} />
                    {c.reviewSince && (
                      <span className="small muted" title={dateTime(c.reviewSince, me.user.timeZone)}>
                        waiting {duration(now - Date.parse(c.reviewSince))}
                      </span>
                    )}
                  </div>
                  <span className="amount case-row-amount">{money(c.payment.amount, c.payment.currency)}</span>
                </Link>
              </li>
            );
          })}
        </ol>
      )}
    </>
  );
}
