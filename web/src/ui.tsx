/** Small shared pieces: loading states, status pills, countdowns, alerts. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ApiError, type Case } from './api';
import { dateTime, duration, statusLabel, statusTone } from './format';
import { useMe, useNow } from './session';
import { appConfig } from './config';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; data: T };

/** Loads data, optionally polling; `reload` re-fetches. Errors other than ApiError are wrapped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number) {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  // `reload` stays one function and calls the latest `load`; layout effects run before any effect or click can call it.
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  // New deps show "loading" in the same render, not one render later.
  const [shownDeps, setShownDeps] = useState(deps);
  if (deps.length !== shownDeps.length || deps.some((d, i) => !Object.is(d, shownDeps[i]))) {
    setShownDeps(deps);
    setValue({ state: 'loading' });
  }
  const reload = useCallback(async () => {
    try {
      const data = await loadRef.current();
      setValue({ state: 'ready', data });
    } catch (e) {
      setValue({ state: 'error', error: e instanceof ApiError ? e : new ApiError(0, 'error', String(e)) });
    }
  }, []);
  useEffect(() => {
    void reload();
    if (!pollMs) return;
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, pollMs);
    return () => window.clearInterval(t);
  }, [shownDeps, pollMs, reload]);
  return { value, reload, setValue };
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  const title = error.status === 404 ? 'Not found' : error.status === 0 ? 'Connection problem' : 'Something went wrong';
  return (
    <div className="alert alert-error" role="alert">
      <strong>{title}.</strong> {error.status === 404 ? 'It does not exist, or you may not see it.' : error.message}
      {retry && (
        <button type="button" className="btn btn-ghost btn-sm" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Alert({ tone, children }: { tone: 'error' | 'success' | 'info' | 'warning'; children: React.ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function StatusPill({ c }: { c: Pick<Case, 'status' | 'final' | 'appealDeadline' | 'outcome'> }) {
  const me = useMe();
  return <span className={`pill pill-${statusTone(c.status)}`}>{statusLabel(c, me.user.timeZone)}</span>;
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: React.ReactNode; actions?: React.ReactNode }) {
  useEffect(() => {
    document.title = `${title} · ${appConfig.brand.name}`;
  }, [title]);
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Empty({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-art" aria-hidden="true">
        ✓
      </div>
      <h2>{title}</h2>
      {children && <p className="muted">{children}</p>}
    </div>
  );
}

const URGENT_MS = 48 * 3600 * 1000;

/**
 * A deadline in the viewer's zone (named) with the time left, updated every second. Compact
 * (the inbox's column) stacks the two; nothing is only in a tooltip.
 */
export function Countdown({ dueAt, compact = false }: { dueAt: string; compact?: boolean }) {
  const me = useMe();
  const now = useNow(1000);
  const left = Date.parse(dueAt) - now;
  const urgent = left < URGENT_MS;
  const when = dateTime(dueAt, me.user.timeZone);
  if (compact)
    return (
      <span className={`due due-compact ${urgent ? 'due-urgent' : ''}`}>
        <time dateTime={dueAt}>{when}</time>
        <span className="due-left">{left <= 0 ? 'Overdue' : `${duration(left)} left`}</span>
      </span>
    );
  return (
    <span className="countdown">
      <time dateTime={dueAt}>{when}</time>
      {' · '}
      <strong className={urgent ? 'text-urgent' : ''} aria-live="off">
        {left <= 0 ? 'deadline passed, processing…' : `${duration(left)} left`}
      </strong>
    </span>
  );
}

export function isUrgent(dueAt: string | null, now: number): boolean {
  return dueAt !== null && Date.parse(dueAt) - now < URGENT_MS;
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}
