import { useState } from 'react';
import { type ApiError, type Case } from '../../api';
import { useMe } from '../../session';
import { Alert } from '../../ui';
import { type OnActed, actOn, asApiError } from './act';

/** SPEC §16: who holds a case with staff; claim it, take it over or release it. */
export function Assignment({ c, onDone }: { c: Case; onDone: OnActed }) {
  const me = useMe();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const canClaim = c.availableActions.includes('claim');
  const canAssign = c.availableActions.includes('assign');
  if (c.role !== 'staff' || (!canClaim && !canAssign && !c.assignee)) return null;
  const mine = c.assignee?.id === me.user.id;
  const act = async (body: Record<string, unknown>, note: string) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await actOn(c, { ...body, attachmentIds: [] }), note);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={`card assignment ${c.assignee && !mine ? 'assignment-other' : ''}`} aria-labelledby="assignment-title">
      <h2 id="assignment-title" className="card-title">
        {c.assignee ? (mine ? 'You hold this case' : `Held by ${c.assignee.name}`) : 'Nobody holds this case'}
      </h2>
      {c.assignee && !mine && (
        <p className="muted small">{c.assignee.name} is working on it: talk to them before you act, or take it over.</p>
      )}
      {error && <Alert tone="error">{error.code === 'already_assigned' ? 'Someone claimed it just before you.' : error.message}</Alert>}
      <div className="action-buttons">
        {canClaim && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => void act({ type: 'claim' }, 'You hold this case now.')}
          >
            Claim
          </button>
        )}
        {canAssign && c.assignee && !mine && (
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            onClick={() => void act({ type: 'assign', assigneeId: me.user.id }, 'You took the case over.')}
          >
            Take over
          </button>
        )}
        {canAssign && c.assignee && (
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            onClick={() => void act({ type: 'assign', assigneeId: null }, 'Nobody holds the case now.')}
          >
            Release
          </button>
        )}
      </div>
    </section>
  );
}
