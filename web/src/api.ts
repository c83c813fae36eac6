/**
 * The REST API client (docs/api.md). Every call sends `Authorization: Bearer <access token>`; the
 * access token (15 minutes) is kept in memory and in this tab's sessionStorage. The refresh token
 * is an HttpOnly cookie set by the server (routes/auth.ts): no script reads it, and every tab
 * shares it, so a CVE opened in a new tab starts its own access token from the cookie
 * ({@link resumeSession}) instead of asking for the password. A 401 triggers one `POST
 * /api/v1/auth/refresh` (shared by concurrent calls, and serialised across tabs with a Web Lock,
 * since a refresh token is single use and a replay ends the session) and one retry; when that
 * fails the session is dropped and the app shows the sign-in page. Sign-in and sign-out are
 * told to the other tabs (BroadcastChannel). Failures throw {@link ApiError} carrying the
 * server's `message`, which is what the user is shown.
 */
import { createStore } from './store.ts';
import type { ApiErrorBody } from './types.ts';

const ACCESS_KEY = 'vigil.access';
/** Web Lock and BroadcastChannel name shared by the tabs of this origin. */
const SESSION_CHANNEL = 'vigil-session';

/** An error answered by the API (or a network failure, `statusCode` 0). */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly requestId: string | undefined;
  constructor(body: ApiErrorBody, options?: { cause?: unknown }) {
    super(body.message, options);
    this.name = 'ApiError';
    this.statusCode = body.statusCode;
    this.code = body.code;
    this.requestId = body.requestId;
  }
}

let access: string | null = sessionStorage.getItem(ACCESS_KEY);
let refreshing: Promise<boolean> | null = null;
// Before a refresh token (sessionStorage, older builds) moved into the cookie.
sessionStorage.removeItem('vigil.refresh');

/**
 * Whether this tab holds a session (it may still have expired: the API decides); `null` until a
 * tab without an access token has asked the server whether the cookie still holds one.
 */
export const signedIn = createStore<boolean | null>(access !== null ? true : null);

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(SESSION_CHANNEL) : null;
channel?.addEventListener('message', (e: MessageEvent<string>) => {
  if (e.data === 'signed-out') forget();
  else if (e.data === 'signed-in' && !signedIn.get()) void resumeSession();
});

/** The current access token, for requests made outside {@link request} (the event stream). */
export function accessToken(): string | null {
  return access;
}

function keep(token: string): void {
  access = token;
  sessionStorage.setItem(ACCESS_KEY, token);
  signedIn.set(true);
}

function forget(): void {
  access = null;
  sessionStorage.removeItem(ACCESS_KEY);
  signedIn.set(false);
}

/**
 * Stores the access token of a sign-in or first-run answer (the refresh token came as a cookie)
 * and tells the other tabs. Field names per the auth routes.
 */
export function setTokens(body: { accessToken?: string }): void {
  if (!body.accessToken) throw new ApiError({ statusCode: 0, code: 'VIGIL_CLIENT', message: 'the server answered without an access token' });
  keep(body.accessToken);
  channel?.postMessage('signed-in');
}

/** Forgets the session in every tab (the caller revokes it on the server first, if it can). */
export function clearTokens(): void {
  forget();
  channel?.postMessage('signed-out');
}

/** Runs `fn` holding the tabs' refresh lock (Web Locks API; without it, just runs `fn`). */
function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request(SESSION_CHANNEL, fn) : fn();
}

/**
 * Rotates the refresh cookie for a new access token (`POST /api/v1/auth/refresh`). Concurrent
 * callers share one attempt, and tabs take turns (the cookie they send is then the latest).
 * @returns whether a new access token was obtained.
 */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing;
  refreshing = withRefreshLock(async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
      });
      if (!res.ok) return false;
      const body = (await res.json()) as { accessToken?: string };
      if (!body.accessToken) return false;
      keep(body.accessToken);
      return true;
    } catch {
      return false;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * For a tab without an access token (a new tab, or one another tab signed in): asks for one
 * with the refresh cookie, and sets {@link signedIn} to whether that worked.
 */
export async function resumeSession(): Promise<boolean> {
  const ok = await refreshSession();
  if (!ok) signedIn.set(false);
  return ok;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await res.json()) as Partial<ApiErrorBody>;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status line.
  }
  return new ApiError({
    statusCode: body.statusCode ?? res.status,
    code: body.code ?? `HTTP_${res.status}`,
    message: body.message ?? `${res.status} ${res.statusText || 'request failed'}`,
    requestId: body.requestId,
  });
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Send no credential (sign-in, first-run setup). */
  anonymous?: boolean;
}

/**
 * Calls the API and returns its JSON body (`undefined` for 204).
 * @throws ApiError with the server's message; a 401 that a refresh cannot cure also signs out.
 * @example const me = await request<Me>('/api/v1/auth/me');
 */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const send = () => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (!opts.anonymous && access) headers.authorization = `Bearer ${access}`;
    return fetch(path, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  };
  let res: Response;
  try {
    res = await send();
    if (res.status === 401 && !opts.anonymous && (await refreshSession())) res = await send();
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({ statusCode: 0, code: 'VIGIL_NETWORK', message: 'The server cannot be reached. Check your connection and try again.' }, { cause });
  }
  if (res.status === 401 && !opts.anonymous) {
    // This tab's session is gone (the others find out on their own next call).
    forget();
    throw await errorOf(res);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Query string of the set values (`qs({q: 'x', kev: true})` → `?q=x&kev=true`). */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The message to show for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The items of a list answer, whether the route wraps them (`{items}`) or not. */
export function itemsOf<T>(body: T[] | { items: T[] } | undefined): T[] {
  if (!body) return [];
  return Array.isArray(body) ? body : body.items;
}
