import { useState } from 'react';
import { type Email, all } from '../api';
import { dateTime } from '../format';
import { Link } from '../router';
import { useMe } from '../session';
import { Alert, Empty, ErrorBox, Loading, PageHeader, useLoad } from '../ui';

export function MailboxPage() {
  const me = useMe();
  const [open, setOpen] = useState<string | null>(null);
  const { value, reload } = useLoad(() => all<Email>('/dev/mailbox', 200), [], 10_000);
  return (
    <>
      <PageHeader
        title="Mailbox"
        subtitle="Emails the service would send, kept locally outside production. Nothing here leaves this machine."
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' &&
        (value.error.status === 404 ? (
          <Alert tone="info">
            The local mailbox is not available on this server (it is off in production, or notifications are not installed).
          </Alert>
        ) : (
          <ErrorBox error={value.error} retry={() => void reload()} />
        ))}
      {value.state === 'ready' && value.data.length === 0 && (
        <Empty title="No emails yet">Open a case or act on one, and the emails appear here.</Empty>
      )}
      {value.state === 'ready' && value.data.length > 0 && (
        <ul className="mail-list" aria-label="Emails">
          {value.data.map((m) => (
            <li key={m.id} className="card mail">
              <button
                type="button"
                className="mail-head"
                aria-expanded={open === m.id}
                onClick={() => setOpen(open === m.id ? null : m.id)}
              >
                <span className="mail-subject">{m.subject}</span>
                <span className="muted small">
                  to {m.to} · {dateTime(m.createdAt, me.user.timeZone)}
                </span>
              </button>
              {open === m.id && (
                <div className="mail-body">
                  <pre>{m.text}</pre>
                  {m.caseId && <Link to={`/cases/${m.caseId}`}>Open the case</Link>}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
