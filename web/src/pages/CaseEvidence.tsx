/** The case page's side cards for SPEC §13: the platform's activity record of the payment. */
import type { z } from 'zod';
import type { Evidence } from '../../../src/http/routes/evidence';
import { all } from '../api';
import { dateTime } from '../format';
import { useMe } from '../session';
import { useLoad } from '../ui';

type EvidenceItem = z.infer<typeof Evidence>;

const TYPE_LABELS: Record<EvidenceItem['type'], string> = {
  access_granted: 'Access granted',
  login: 'Login',
  download: 'Download',
  license_activated: 'Licence activated',
  usage: 'Usage',
  delivery: 'Delivery',
  policy_accepted: 'Policy accepted',
  other: 'Other',
};

/** What the platform recorded of the payment's delivery and use; the customer sees what is held about them. */
export function SystemEvidenceCard({ caseId, role }: { caseId: string; role: string | null }) {
  const me = useMe();
  const { value } = useLoad(() => all<EvidenceItem>(`/cases/${encodeURIComponent(caseId)}/evidence`), [caseId]);
  const intro =
    role === 'customer'
      ? 'What the marketplace recorded about your access to this purchase. Staff see it when they review the case.'
      : 'What the marketplace recorded of this purchase’s delivery and use.';
  return (
    <section className="card" aria-labelledby="evidence-title">
      <h2 id="evidence-title" className="card-title">
        Activity record
      </h2>
      <p className="muted small">{intro}</p>
      {value.state === 'loading' && <p className="muted small">Loading…</p>}
      {value.state === 'error' && <p className="field-error">The activity record could not be loaded.</p>}
      {value.state === 'ready' &&
        (value.data.length === 0 ? (
          <p className="small">Nothing recorded.</p>
        ) : (
          <ol className="evidence-list" aria-label="Recorded activity">
            {value.data.map((e) => (
              <li key={e.id} className="evidence-item">
                <p className="evidence-head">
                  <strong>{TYPE_LABELS[e.type]}</strong>{' '}
                  <time className="muted small" dateTime={e.occurredAt}>
                    {dateTime(e.occurredAt, me.user.timeZone)}
                  </time>
                </p>
                <p className="small">{e.description}</p>
                {(e.ip ?? e.deviceId ?? e.userAgent) && (
                  <p className="muted small evidence-meta">{[e.ip, e.deviceId, e.userAgent].filter(Boolean).join(' · ')}</p>
                )}
              </li>
            ))}
          </ol>
        ))}
    </section>
  );
}

/** The case file for this reader (staff's copy has the internal notes). */
export function CaseFileCard({ caseId, role }: { caseId: string; role: string | null }) {
  const base = `/api/v1/cases/${encodeURIComponent(caseId)}`;
  return (
    <section className="card" aria-labelledby="case-file-title">
      <h2 id="case-file-title" className="card-title">
        Case file
      </h2>
      <p className="muted small">
        {role === 'staff'
          ? 'Everything on the case in one document, with the hash of every event. Your copy includes internal notes, marked.'
          : 'Everything on the case you can see in one document, with the hash of every event so it can be verified.'}
      </p>
      <p className="case-file-links">
        <a className="btn btn-secondary" href={`${base}/file.pdf`} download>
          Download case file
        </a>{' '}
        <a className="small" href={`${base}/file.json`} download>
          JSON
        </a>
      </p>
    </section>
  );
}
