import { useState } from 'react';
import { ApiError, api } from '../api';
import { dateTime } from '../format';
import { useMe, useNow, useSession } from '../session';
import { Alert, FieldError, PageHeader } from '../ui';

const PRESETS: [string, string][] = [
  ['PT1H', '1 hour'],
  ['P1D', '1 day'],
  ['P2D', '2 days'],
  ['P7DT1H', '7 days and 1 hour'],
];

export function TimeMachinePage() {
  const me = useMe();
  const { syncClock } = useSession();
  const now = useNow(1000);
  const [custom, setCustom] = useState('P3D');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const advance = async (advance: string, label: string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await api<{ now: string }>('POST', '/dev/clock', { advance });
      await syncClock();
      setDone(`Moved ${label} ahead. It is now ${dateTime(r.now, me.user.timeZone)}; every deadline that passed has been processed.`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Time machine"
        subtitle="Move the service’s clock forward to watch deadlines pass: a merchant who stays silent for 7 days sees the case go to the platform."
      />
      <section className="card time-card" aria-labelledby="now-title">
        <h2 id="now-title" className="stat-label">
          Service time
        </h2>
        <p className="clock" aria-live="off">
          {dateTime(new Date(now).toISOString(), me.user.timeZone)}
        </p>
        <div className="preset-row">
          {PRESETS.map(([d, label]) => (
            <button key={d} type="button" className="btn btn-secondary" disabled={busy} onClick={() => void advance(d, label)}>
              + {label}
            </button>
          ))}
        </div>
        <form
          className="field-inline"
          onSubmit={(e) => {
            e.preventDefault();
            void advance(custom.trim(), custom.trim());
          }}
        >
          <label htmlFor="duration">ISO 8601 duration</label>
          <input
            id="duration"
            value={custom}
            onChange={(e) => setCustom(e.target.value)}
            aria-invalid={!!error?.field('advance')}
            aria-describedby={error?.field('advance') ? 'duration-error' : undefined}
          />
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Moving…' : 'Move forward'}
          </button>
        </form>
        <FieldError id="duration-error" message={error?.field('advance')} />
        {error && !error.field('advance') && <Alert tone="error">{error.message}</Alert>}
        {done && <Alert tone="success">{done}</Alert>}
        <p className="muted small">Time only moves forward, for everyone using this server. Off in production.</p>
      </section>
    </>
  );
}
