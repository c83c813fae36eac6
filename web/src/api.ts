/**
 * The REST API client (docs/api.md). Every call sends `Authorization: Bearer <access token>`; the
 * access token is kept in memory and in sessionStorage (so a reload keeps the session, a closed
 * tab ends it), the refresh token in sessionStorage. A 401 triggers one `POST
 * /api/v1/auth/refresh` (shared by concurrent calls) and one retry; when that fails the session is
 * dropped and the app shows the sign-in page. Failures throw {@link ApiError} carrying the
 * server's `message`, which is what the user is shown.
 */
import { createStore } from './store.ts';
import type { ApiErrorBody } from './types.ts';

const ACCESS_KEY = 'vigil.access';
const REFRESH_KEY = 'vigil.refresh';

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

/** Whether the browser holds a session (it may still have expired: the API decides). */
export const signedIn = createStore<boolean>(access !== null || sessionStorage.getItem(REFRESH_KEY) !== null);

/** The current access token, for requests made outside {@link request} (the event stream). */
export function accessToken(): string | null {
  return access;
}

/** Stores the tokens of a sign-in or refresh answer. Field names per the auth routes. */
export function setTokens(body: { accessToken?: string; refreshToken?: string }): void {
  if (!body.accessToken) throw new ApiError({ statusCode: 0, code: 'VIGIL_CLIENT', message: 'the server answered without an access token' });
  access = body.accessToken;
  sessionStorage.setItem(ACCESS_KEY, access);
  if (body.refreshToken) sessionStorage.setItem(REFRESH_KEY, body.refreshToken);
  signedIn.set(true);
}

/** Forgets the session locally (the caller revokes it on the server first, if it can). */
export function clearTokens(): void {
  access = null;
  sessionStorage.removeItem(ACCESS_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  signedIn.set(false);
}

/** The refresh token, for sign-out. */
export function refreshToken(): string | null {
  return sessionStorage.getItem(REFRESH_KEY);
}

/**
 * Rotates the refresh token for a new access token (`POST /api/v1/auth/refresh`). Concurrent
 * callers share one attempt: the refresh token is single use.
 * @returns whether a new access token was obtained.
 */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing;
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ refreshToken: token }),
      });
      if (!res.ok) return false;
      setTokens((await res.json()) as { accessToken?: string; refreshToken?: string });
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
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
    clearTokens();
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
