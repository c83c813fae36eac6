/**
 * The application shell: the sign-in gate, the header with navigation and the live status, and
 * the route table. Pages are chosen by {@link match} over the path below `/ui`.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { resumeSession, signedIn } from './api.ts';
import { ErrorBox, Loading } from './components/ui.tsx';
import { lazy } from './lazy.tsx';
import { live, startLive } from './live.ts';
import { Admin } from './pages/Admin.tsx';
import { Alerts } from './pages/Alerts.tsx';
import { CvePage } from './pages/CvePage.tsx';
import { Explorer } from './pages/Explorer.tsx';
import { Login } from './pages/Login.tsx';
import { Overview } from './pages/Overview.tsx';
import { Sources } from './pages/Sources.tsx';
import { WatchlistEditor } from './pages/WatchlistEditor.tsx';
import { Watchlists } from './pages/Watchlists.tsx';
import { href, Link, type Location, match, navigate, useLocation } from './router.tsx';
import { currentUser, hasRole, loadMe, signOut } from './session.ts';
import { useStore } from './store.ts';
import type { Me } from './types.ts';

const advisoryPages = () => import('./pages/advisory-pages.ts');
const Advisories = lazy(() => advisoryPages().then((m) => m.Advisories));
const AdvisoryPage = lazy(() => advisoryPages().then((m) => m.AdvisoryPage));
const intelPages = () => import('./pages/intel-pages.ts');
const Intel = lazy(() => intelPages().then((m) => m.Intel));
const IntelDocumentPage = lazy(() => intelPages().then((m) => m.IntelDocumentPage));
const IntelSources = lazy(() => intelPages().then((m) => m.IntelSources));
const iocsPages = () => import('./pages/iocs-pages.ts');
const Iocs = lazy(() => iocsPages().then((m) => m.Iocs));
const IocsDetail = lazy(() => iocsPages().then((m) => m.IocsDetail));
const Trends = lazy(() => import('./pages/Trends.tsx').then((m) => m.Trends));

type Page = (params: Record<string, string>, loc: Location, me: Me) => ComponentChildren;

/** The route table, first match wins: a pattern with `:name` segments and the page it shows. */
const ROUTES: [pattern: string, page: Page][] = [
  ['/', () => <Overview />],
  ['/cves', (_p, loc) => <Explorer query={loc.query} />],
  ['/cves/:id', (p) => <CvePage id={p.id!} />],
  ['/advisories', (_p, loc) => <Advisories query={loc.query} />],
  ['/advisories/:id', (p) => <AdvisoryPage id={p.id!} />],
  ['/intel', (_p, loc, me) => <Intel query={loc.query} me={me} />],
  ['/intel/sources', (_p, _l, me) => <IntelSources me={me} />],
  ['/intel/:id', (p) => <IntelDocumentPage id={p.id!} />],
  ['/iocs', (_p, loc) => <Iocs query={loc.query} />],
  ['/iocs/:type/:value', (p, _l, me) => <IocsDetail type={p.type!} value={p.value!} me={me} />],
  ['/trends', (_p, loc) => <Trends query={loc.query} />],
  ['/watchlists', (_p, _l, me) => <Watchlists me={me} />],
  ['/watchlists/new', (_p, _l, me) => <WatchlistEditor name={null} me={me} />],
  ['/watchlists/:name', (p, _l, me) => <WatchlistEditor name={p.name!} me={me} />],
  ['/alerts', (_p, loc, me) => <Alerts query={loc.query} selected={null} me={me} />],
  ['/alerts/:id', (p, loc, me) => <Alerts query={loc.query} selected={Number(p.id)} me={me} />],
  ['/sources', (_p, _l, me) => <Sources me={me} />],
  ['/admin', (_p, _l, me) => <Admin me={me} />],
];

/** The page for a location, or `null` for an unknown path. */
function route(loc: Location, me: Me): ComponentChildren {
  for (const [pattern, page] of ROUTES) {
    const params = match(pattern, loc.path);
    if (params) return page(params, loc, me);
  }
  return null;
}

const NAV: { path: string; label: string; testId: string }[] = [
  { path: '/', label: 'Overview', testId: 'nav-overview' },
  { path: '/cves', label: 'CVEs', testId: 'nav-cves' },
  { path: '/advisories', label: 'Advisories', testId: 'nav-advisories' },
  { path: '/intel', label: 'Intel', testId: 'nav-intel' },
  { path: '/iocs', label: 'IOCs', testId: 'nav-iocs' },
  { path: '/trends', label: 'Trends', testId: 'nav-trends' },
  { path: '/watchlists', label: 'Watchlists', testId: 'nav-watchlists' },
  { path: '/alerts', label: 'Alerts', testId: 'nav-alerts' },
  { path: '/sources', label: 'Sources', testId: 'nav-sources' },
];

function isCurrent(navPath: string, path: string): boolean {
  return navPath === '/' ? path === '/' : path === navPath || path.startsWith(`${navPath}/`);
}

function Header({ me, path }: { me: Me; path: string }) {
  const state = useStore(live);
  const items = [...NAV];
  if (hasRole(me, 'admin')) items.push({ path: '/admin', label: 'Admin', testId: 'nav-admin' });
  else if (hasRole(me, 'analyst')) items.push({ path: '/admin', label: 'API tokens', testId: 'nav-admin' });
  return (
    <header class="topbar">
      <Link href={href('/')} class="brand" aria-label="Vigil overview">
        <span aria-hidden="true">◉</span> Vigil
      </Link>
      <nav aria-label="Main" class="mainnav">
        <ul>
          {items.map((n) => (
            <li key={n.path}>
              <Link href={href(n.path)} aria-current={isCurrent(n.path, path) ? 'page' : undefined} data-testid={n.testId}>
                {n.label}
                {n.path === '/alerts' && state.newAlerts > 0 && (
                  <span class="badge" data-testid="alerts-badge">
                    {state.newAlerts}
                    <span class="sr-only"> new</span>
                  </span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div class="userbox">
        <span class={`live-dot ${state.connected ? 'on' : 'off'}`} title={state.connected ? 'Live updates connected' : 'Live updates disconnected'}>
          <span class="sr-only">{state.connected ? 'Live updates connected' : 'Live updates disconnected'}</span>
        </span>
        <span class="who" data-testid="current-user">
          {me.name} <span class="role">{me.role}</span>
        </span>
        <button
          type="button"
          class="btn btn-quiet"
          onClick={async () => {
            await signOut();
            navigate(href('/login'));
          }}
        >
          Sign out
        </button>
      </div>
    </header>
  );
}

/** `/` focuses the search box unless the user is typing somewhere. */
function useSlashToSearch(): void {
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      e.preventDefault();
      const box = document.querySelector<HTMLInputElement>('[data-testid="search-input"]');
      if (box) box.focus();
      else navigate(href('/cves', { focus: 1 }));
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function App() {
  const loc = useLocation();
  const isSignedIn = useStore(signedIn);
  const me = useStore(currentUser);
  const [meError, setMeError] = useState<unknown>(null);
  useSlashToSearch();

  useEffect(() => {
    // A tab with no access token of its own: the refresh cookie may still hold the session.
    if (isSignedIn === null) void resumeSession();
  }, [isSignedIn]);

  useEffect(() => {
    if (!isSignedIn || me) return;
    setMeError(null);
    loadMe().catch(setMeError);
  }, [isSignedIn, me]);

  useEffect(() => {
    if (!me) return;
    return startLive();
  }, [me]);

  if (isSignedIn === null && loc.path !== '/login') {
    return (
      <main id="main">
        <Loading what="Signing in" />
      </main>
    );
  }
  if (!isSignedIn || loc.path === '/login') {
    return (
      <main id="main" class="login-main">
        <Login next={loc.path === '/login' ? (loc.query.get('next') ?? '/ui/') : window.location.pathname + window.location.search} />
      </main>
    );
  }
  if (!me) {
    return <main id="main">{meError ? <ErrorBox error={meError} /> : <Loading what="Signing in" />}</main>;
  }
  const page = route(loc, me);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header me={me} path={loc.path} />
      <main id="main" tabIndex={-1}>
        {page ?? (
          <section class="panel">
            <h1>Not found</h1>
            <p>
              No page at <code>{loc.path}</code>. <Link href={href('/')}>Go to the overview</Link>.
            </p>
          </section>
        )}
      </main>
    </>
  );
}
