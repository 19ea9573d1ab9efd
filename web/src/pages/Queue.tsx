import { type QueueEntry, type ReviewReason, api } from '../api';
import { ISSUE_LABELS, REVIEW_REASON_WORDS, dateTime, money, waited } from '../format';
import { Link, navigate, useLocation } from '../router';
import { useMe, useNow } from '../session';
import { Empty, ErrorBox, Loading, PageHeader, StatusPill, useLoad } from '../ui';

const KINDS: Record<QueueEntry['queueReason'], { label: string; tone: string }> = {
  appeal: { label: 'Appeal · needs a second reviewer', tone: 'badge-appeal' },
  escalation: { label: 'Escalated', tone: 'badge-review' },
  remedy_failed: { label: 'Refund failed', tone: 'badge-urgent' },
  over_refunded: { label: 'Over-refunded', tone: 'badge-urgent' },
};

const REASONS = Object.keys(REVIEW_REASON_WORDS) as ReviewReason[];
const isReason = (r: string | null): r is ReviewReason => r !== null && (REASONS as string[]).includes(r);

export function QueuePage() {
  const me = useMe();
  const now = useNow(30_000);
  const url = useLocation();
  const asked = url.searchParams.get('reason');
  const reason = isReason(asked) ? asked : null;
  const heldAsked = url.searchParams.get('assignee');
  const held = heldAsked === 'me' || heldAsked === 'none' ? heldAsked : null;
  const go = (r: string | null, h: string | null) => {
    const q = new URLSearchParams();
    if (r) q.set('reason', r);
    if (h) q.set('assignee', h);
    navigate(q.size ? `/queue?${q.toString()}` : '/queue', true);
  };
  const { value, reload } = useLoad(
    () =>
      api<{ data: QueueEntry[] }>('GET', `/review-queue?limit=100${reason ? `&reason=${reason}` : ''}${held ? `&assignee=${held}` : ''}`),
    [reason, held],
    15_000,
  );
  const items = value.state === 'ready' ? value.data.data : [];
  const appeals = items.filter((c) => c.queueReason === 'appeal').length;
  const failed = items.filter((c) => c.queueReason === 'remedy_failed').length;
  return (
    <>
      <PageHeader
        title="Review queue"
        subtitle={
          value.state === 'ready'
            ? `${items.length} case${items.length === 1 ? '' : 's'} waiting for staff${reason ? ` (${REVIEW_REASON_WORDS[reason].toLowerCase()})` : ''}, oldest first · ${appeals} appeal${appeals === 1 ? '' : 's'} · ${failed} failed refund${failed === 1 ? '' : 's'}`
            : 'Cases waiting for staff, oldest first.'
        }
      />
      <div className="toolbar">
        <div className="field-inline">
          <label htmlFor="reason-filter">Why it is here</label>
          <select id="reason-filter" value={reason ?? ''} onChange={(e) => go(e.target.value || null, held)}>
            <option value="">Any reason</option>
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {REVIEW_REASON_WORDS[r]}
              </option>
            ))}
          </select>
        </div>
        <div className="field-inline">
          <label htmlFor="assignee-filter">Held by</label>
          <select id="assignee-filter" value={held ?? ''} onChange={(e) => go(reason, e.target.value || null)}>
            <option value="">Anyone or nobody</option>
            <option value="me">Me</option>
            <option value="none">Nobody</option>
          </select>
        </div>
      </div>
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && items.length === 0 && (
        <Empty title={reason ? 'Nothing here' : 'The queue is empty'}>
          {reason ? 'No case waiting for staff has this reason.' : 'No case is waiting for staff.'}
        </Empty>
      )}
      {items.length > 0 && (
        <ol className="queue" aria-label="Cases waiting for staff">
          {items.map((c) => (
            <li key={c.id}>
              <Link to={`/cases/${c.id}`} className={`card queue-item queue-${c.queueReason}`}>
                <div className="queue-main">
                  <span className={`badge ${KINDS[c.queueReason].tone}`}>{KINDS[c.queueReason].label}</span>
                  <span className="case-row-title">{c.payment.productName}</span>
                  {c.reviewReason && <span className="queue-why">{REVIEW_REASON_WORDS[c.reviewReason]}</span>}
                  <span className="muted small">
                    {c.customer.name} vs {c.merchant.name} · {ISSUE_LABELS[c.issueType].title}
                  </span>
                </div>
                <div className="queue-side">
                  <StatusPill c={c} />
                  {c.assignee && (
                    <span className={`badge badge-held${c.assignee.id === me.user.id ? ' badge-held-me' : ''}`}>
                      {c.assignee.id === me.user.id ? 'Held by you' : `Held by ${c.assignee.name}`}
                    </span>
                  )}
                  {c.reviewSince && (
                    <span className="small muted">
                      {waited(now - Date.parse(c.reviewSince))} · since{' '}
                      <time dateTime={c.reviewSince}>{dateTime(c.reviewSince, me.user.timeZone)}</time>
                    </span>
                  )}
                </div>
                <span className="amount case-row-amount">{money(c.payment.amount, c.payment.currency)}</span>
              </Link>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
