/**
 * Start-up prefetch: when the page opens signed in on the overview, `/stats` is requested at once,
 * beside `/api/v1/auth/me`, instead of after it (one round trip less before the first charts).
 * The overview takes the answer once; later loads ask the server again.
 */
import { request, signedIn } from './api.ts';
import type { StatsResponse } from './types-alerts.ts';

let pending: Promise<StatsResponse> | null =
  signedIn.get() && /^\/ui\/?$/.test(window.location.pathname) ? request<StatsResponse>('/stats') : null;
// Not awaited until the overview mounts: keep a failure from being reported as unhandled.
pending?.catch(() => {});

/** The prefetched overview figures (once), else a fresh request. */
export function takeStats(signal: AbortSignal): Promise<StatsResponse> {
  const p = pending;
  pending = null;
  return p ?? request<StatsResponse>('/stats', { signal });
}
