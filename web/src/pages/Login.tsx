import { useEffect, useEffectEvent, useState } from 'react';
import { ApiError, type DemoUserList, api } from '../api';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { BrandMark } from '../brand';
import { appConfig } from '../config';
import { Alert, FieldError } from '../ui';

export function LoginPage() {
  const { refresh } = useSession();
  const url = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [demo, setDemo] = useState<DemoUserList | null>(null);
  const token = url.searchParams.get('token');

  useEffect(() => {
    document.title = `Sign in · ${appConfig.brand.name}`;
    if (!appConfig.externalSignIn) api<DemoUserList>('GET', '/dev/demo-users').then(setDemo, () => setDemo(null));
  }, []);

  // The request and what follows it; `signIn` marks the button busy first. The state is set in the promise's
  // callbacks, after the answer, so the sign-in by link may start from an effect.
  const send = (body: Record<string, string>) => {
    const next = url.searchParams.get('next');
    return api('POST', '/session', body)
      .then(() => refresh())
      .then(
        () => navigate(next && next.startsWith('/') && !next.includes('//') && !next.includes('\\') ? next : '/', true),
        (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'error', String(e))),
      )
      .finally(() => setBusy(null));
  };
  const signIn = (body: Record<string, string>, who: string) => {
    setBusy(who);
    setError(null);
    return send(body);
  };

  // The token is used once, when the page opens with it: busy as the page renders, the request from the effect.
  const [linkToken, setLinkToken] = useState<string | null>(null);
  if (token !== linkToken) {
    setLinkToken(token);
    if (token) {
      setBusy('link');
      setError(null);
    }
  }
  const sendLink = useEffectEvent((loginToken: string) => void send({ loginToken }));
  useEffect(() => {
    if (token) sendLink(token);
  }, [token]);

  return (
    <div className="login">
      <div className="login-intro">
        <div className="brand brand-lg">
          <BrandMark />
        </div>
        <h1>Sort out a problem with a purchase</h1>
        <p className="lead">
          Tell the seller what went wrong, talk it through in one place, and if you can’t agree, our team decides. Every step has a clear
          deadline, so nothing is left hanging.
        </p>
        <ul className="login-points">
          <li>Refunds go back to the original payment, exactly once.</li>
          <li>Sellers must answer within 7 days, or we step in.</li>
          <li>Either side can appeal a decision once.</li>
        </ul>
      </div>
      <div className="login-card card">
        {token && busy === 'link' && <p role="status">Signing you in…</p>}
        {appConfig.externalSignIn ? (
          busy === null && <ExternalSignIn error={error} />
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void signIn({ email, password }, 'form');
            }}
            noValidate
          >
            <h2>Sign in</h2>
            {error && (
              <Alert tone="error">
                {error.code === 'invalid_credentials'
                  ? 'That email and password don’t match an account.'
                  : error.code === 'rate_limited'
                    ? 'Too many attempts. Wait a minute and try again.'
                    : error.message}
              </Alert>
            )}
            <div className="field">
              <label htmlFor="email">Email</label>
              <input
                id="email"
                type="email"
                autoComplete="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                aria-invalid={!!error?.field('email')}
                aria-describedby={error?.field('email') ? 'email-error' : undefined}
                required
              />
              <FieldError id="email-error" message={error?.field('email')} />
            </div>
            <div className="field">
              <label htmlFor="password">Password</label>
              <input
                id="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </div>
            <button className="btn btn-primary btn-block" type="submit" disabled={busy !== null}>
              {busy === 'form' ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
        {demo && (
          <section className="demo-users" aria-labelledby="demo-title">
            <h2 id="demo-title">Demo accounts</h2>
            <p className="muted small">
              One click signs you in. Every password is <code>{demo.password}</code>.
            </p>
            <ul>
              {demo.data.map((u) => (
                <li key={u.id}>
                  <button
                    type="button"
                    className="demo-user"
                    disabled={busy !== null}
                    onClick={() => void signIn({ email: u.email, password: demo.password }, u.id)}
                    aria-label={`Sign in as ${u.name}, ${u.role}`}
                  >
                    <span className="avatar" aria-hidden="true">
                      {u.name
                        .split(' ')
                        .map((w) => w[0])
                        .join('')}
                    </span>
                    <span className="demo-user-text">
                      <span className="demo-user-name">{u.name}</span>
                      <span className="muted small">
                        {u.email}
                        {u.role.includes('(') ? ` · ${u.role.slice(u.role.indexOf('(') + 1, -1)}` : ''}
                      </span>
                    </span>
                    <span className={`role-tag role-${u.role.split(' ')[0]}`}>{u.role.split(' (')[0]}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </div>
  );
}

/**
 * People sign in at the marketplace (PLATFORM_LOGIN_URL): no password form. A page load of
 * /login sends them there (the server redirects), after a failed link or a sign-out.
 */
function ExternalSignIn({ error }: { error: ApiError | null }) {
  const url = useLocation();
  const next = url.searchParams.get('next');
  return (
    <div>
      <h2>Sign in</h2>
      {error && (
        <Alert tone="error">
          {error.code === 'invalid_login_token' ? 'This sign-in link has expired or was already used.' : error.message}
        </Alert>
      )}
      {!url.searchParams.get('token') && <p>You are signed out.</p>}
      <p>
        <a className="btn btn-primary btn-block" href={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>
          Sign in again
        </a>
      </p>
    </div>
  );
}
