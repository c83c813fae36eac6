/**
 * The exposure series of a scope, from its text (`all`, `watchlist:NAME`, `team:NAME`) to the
 * points: what the CLI (`vigil exposure`), the API (`GET /api/v1/exposure`) and the exposure
 * alert share. docs/exposure.md.
 */
import type { MergeOptions } from '../analysis/merge.ts';
import type { Stores } from '../store/index.ts';
import { parseScope, resolveScope } from './scope.ts';
import type { ExposurePoint, ExposureScope } from './types.ts';

/** What {@link exposureSeries} takes. */
export interface ExposureRequest {
  /** `all`, `watchlist:NAME`, `team:NAME` (default `all`), or a parsed scope. */
  scope?: string | ExposureScope;
  /** `YYYY-MM-DD`, UTC; default 365 days before `until`. */
  since?: string;
  /** `YYYY-MM-DD`, UTC; default today. */
  until?: string;
  /** H, days, > 0 (default: config `exposure.halfLifeDays`). */
  halfLifeDays?: number;
}

/** A scope's series. */
export interface ExposureSeries {
  /** `all`, `watchlist:NAME`, `team:NAME`. */
  scope: string;
  /** Number of CVEs in the scope; null for `all`. */
  cves: number | null;
  halfLifeDays: number;
  points: ExposurePoint[];
}

/**
 * Resolves the scope and reads its series from the store.
 * @throws {VigilError} VIGIL_INPUT_FORMAT (bad scope, date, half-life or window), VIGIL_NOT_FOUND (unknown watchlist or team).
 */
export async function exposureSeries(
  stores: Pick<Stores, 'store' | 'alerts' | 'exposure'> & { stats?: Pick<Stores['stats'], 'generation'> },
  req: ExposureRequest,
  defaults: { halfLifeDays: number; merge?: MergeOptions },
): Promise<ExposureSeries> {
  const scope = typeof req.scope === 'object' ? req.scope : parseScope(req.scope);
  const resolved = await resolveScope(stores, scope, defaults.merge);
  const halfLifeDays = req.halfLifeDays ?? defaults.halfLifeDays;
  const points = await stores.exposure.exposure({
    cves: resolved.cves,
    watchlists: resolved.watchlists,
    halfLifeDays,
    ...(req.since !== undefined ? { since: req.since } : {}),
    ...(req.until !== undefined ? { until: req.until } : {}),
  });
  return { scope: resolved.label, cves: resolved.cves?.length ?? null, halfLifeDays, points };
}
