/**
 * A small router over the History API. Every dashboard URL lives under {@link BASE}
 * (`/ui/cves?q=pan-os`); {@link navigate} pushes a new entry and {@link Link} turns plain clicks on
 * anchors into navigations, leaving modified clicks (new tab, …) to the browser.
 */
import type { ComponentChildren, JSX } from 'preact';
import { createStore, useStore } from './store.ts';

export const BASE = '/ui';

export interface Location {
  /** Path below {@link BASE}, always starting with `/` (`/cves/CVE-2024-3400`). */
  path: string;
  query: URLSearchParams;
}

function readLocation(): Location {
  const p = window.location.pathname;
  const below = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return { path: below === '' ? '/' : below, query: new URLSearchParams(window.location.search) };
}

const location = createStore<Location>(readLocation());
window.addEventListener('popstate', () => location.set(readLocation()));

/** The current location; re-renders on every navigation. */
export function useLocation(): Location {
  return useStore(location);
}

/** Full URL of a dashboard path (`href('/cves', {q: 'x'})` → `/ui/cves?q=x`); empty values are left out. */
export function href(path: string, query?: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    params.set(k, v === true ? '1' : String(v));
  }
  const qs = params.toString();
  return `${BASE}${path === '/' ? '/' : path}${qs ? `?${qs}` : ''}`;
}

/** Goes to a full dashboard URL (as made by {@link href}). */
export function navigate(url: string, opts: { replace?: boolean } = {}): void {
  if (url === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  location.set(readLocation());
  if (!opts.replace) window.scrollTo(0, 0);
}

/**
 * Matches `path` against a pattern with `:name` segments.
 * @example match('/cves/:id', '/cves/CVE-2024-3400') // { id: 'CVE-2024-3400' }
 */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    const x = xs[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(x);
    else if (p !== x) return null;
  }
  return params;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & { href: string; children?: ComponentChildren };

/** An anchor that navigates in-app on a plain left click. */
export function Link({ href: to, children, onClick, ...rest }: LinkProps) {
  function click(e: JSX.TargetedMouseEvent<HTMLAnchorElement>) {
    if (onClick) (onClick as (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => void)(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} onClick={click} {...rest}>
      {children}
    </a>
  );
}
