import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Link, RouterProvider, match, navigate, useLocation } from './router';
import { SessionProvider, useSession } from './session';
import { BrandMark } from './brand';
import { appConfig, applyBrand } from './config';
import { Loading } from './ui';
import { LoginPage } from './pages/Login';
import { OrdersPage } from './pages/Orders';
import { OpenCasePage } from './pages/OpenCase';
import { CasesPage } from './pages/Cases';
import { CasePage } from './pages/Case';
import { CreditsPage } from './pages/Credits';
import { InboxPage } from './pages/Inbox';
import { InsightsPage } from './pages/Insights';
import { SettingsPage } from './pages/BankAlerts';
import { QueuePage } from './pages/Queue';
import { MailboxPage } from './pages/Mailbox';
import { TimeMachinePage } from './pages/TimeMachine';
import { RepliesPage } from './pages/Tools';
import './styles.css';

type Page = (params: Record<string, string>) => React.ReactNode;

const ROUTES: [string, Page][] = [
  ['/orders', () => <OrdersPage />],
  ['/orders/:paymentId/open', (p) => <OpenCasePage paymentId={p.paymentId as string} />],
  ['/cases', () => <CasesPage />],
  ['/cases/:id', (p) => <CasePage id={p.id as string} />],
  ['/credits', () => <CreditsPage />],
  ['/inbox', () => <InboxPage />],
  ['/insights', () => <InsightsPage />],
  ['/settings', () => <SettingsPage />],
  ['/queue', () => <QueuePage />],
  ['/replies', () => <RepliesPage />],
  ['/dev/mailbox', () => <MailboxPage />],
  ['/dev/time-machine', () => <TimeMachinePage />],
];

function Nav({ onNavigate }: { onNavigate: () => void }) {
  const { me, devClock } = useSession();
  const { pathname } = useLocation();
  if (!me) return null;
  const item = (to: string, label: string) => {
    const current = pathname === to || (to === '/orders' && pathname.startsWith('/orders/'));
    return (
      <li key={to}>
        <Link to={to} aria-current={current ? 'page' : undefined} onClick={onNavigate}>
          {label}
        </Link>
      </li>
    );
  };
  return (
    <nav aria-label="Main">
      {me.isStaff && (
        <div className="nav-group">
          <span className="nav-label">Staff</span>
          <ul>
            {item('/queue', 'Review queue')}
            {item('/replies', 'Saved replies')}
          </ul>
        </div>
      )}
      {me.merchants.length > 0 && (
        <div className="nav-group">
          <span className="nav-label">{me.merchants.map((m) => m.name).join(', ')}</span>
          <ul>
            {item('/inbox', 'Cases inbox')}
            {item('/insights', 'Insights')}
            {item('/settings', 'Auto-refund rules')}
            {!me.isStaff && item('/replies', 'Saved replies')}
          </ul>
        </div>
      )}
      <div className="nav-group">
        <span className="nav-label">My purchases</span>
        <ul>
          {item('/orders', 'My orders')}
          {item('/cases', 'My cases')}
          {item('/credits', 'Credits')}
        </ul>
      </div>
      {devClock && (
        <div className="nav-group">
          <span className="nav-label">Demo tools</span>
          <ul>
            {item('/dev/mailbox', 'Mailbox')}
            {item('/dev/time-machine', 'Time machine')}
          </ul>
        </div>
      )}
    </nav>
  );
}

function home(me: NonNullable<ReturnType<typeof useSession>['me']>): string {
  if (me.isStaff) return '/queue';
  if (me.merchants.length > 0) return '/inbox';
  return '/orders';
}

function Shell() {
  const { me, loading, signOut } = useSession();
  const url = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const path = url.pathname;

  useEffect(() => {
    if (loading) return;
    if (!me && path !== '/login') {
      const login = `/login?next=${encodeURIComponent(path + url.search)}`;
      // Signing in is the marketplace's: a real page load, which the server sends there.
      if (appConfig.externalSignIn) window.location.replace(login);
      else navigate(login, true);
    } else if (me && (path === '/' || path === '/login')) navigate(url.searchParams.get('next') ?? home(me), true);
  }, [me, loading, path, url.search, url.searchParams]);

  useEffect(() => {
    // Move focus to the new page's heading so keyboard and screen-reader users land on the content.
    // Pages that load first show their heading a moment later: wait for it, unless the user has moved on.
    let tries = 0;
    const t = window.setInterval(() => {
      const h = document.querySelector<HTMLElement>('main h1');
      const idle = !document.activeElement || document.activeElement === document.body || document.activeElement.closest('nav, .topbar');
      if (h && idle) {
        h.setAttribute('tabindex', '-1');
        h.focus({ preventScroll: true });
      }
      if (h || !idle || ++tries > 60) window.clearInterval(t);
    }, 50);
    return () => window.clearInterval(t);
  }, [path]);

  if (loading) return <Loading label={`Opening ${appConfig.brand.name}`} />;
  if (path === '/login' || !me)
    return (
      <main id="main" className="login-main">
        <LoginPage />
      </main>
    );

  let page: React.ReactNode = null;
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      break;
    }
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={home(me)} className="brand" aria-label={`${appConfig.brand.name} home`}>
          <BrandMark />
        </Link>
        <button
          type="button"
          className="btn btn-ghost menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <div className="who">
          <span className="who-name">
            <span className="visually-hidden">Signed in as </span>
            {me.user.name}
          </span>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => {
              void signOut().then(() => navigate('/login'));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <aside id="sidebar" aria-label="Sections" className={menuOpen ? 'sidebar open' : 'sidebar'}>
          <Nav onNavigate={() => setMenuOpen(false)} />
        </aside>
        <main id="main" className="content">
          {page ?? (
            <div className="empty">
              <h1>Page not found</h1>
              <p>
                <Link to={home(me)}>Go to your start page</Link>
              </p>
            </div>
          )}
        </main>
      </div>
    </div>
  );
}

applyBrand();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <RouterProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </RouterProvider>
  </StrictMode>,
);
