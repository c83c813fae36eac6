/**
 * Scopes of the exposure index and of trends (issue 15): `all`, `watchlist:NAME`, `team:NAME`.
 */
import { previewMatches } from '../alerts/preview.ts';
import type { MergeOptions } from '../analysis/merge.ts';
import { VigilError } from '../errors.ts';
import type { Watchlist } from '../model/alert.ts';
import type { Stores } from '../store/index.ts';
import type { StatsStore } from '../store/server.ts';
import type { ExposureScope, ResolvedScope } from './types.ts';

/**
 * Parses `all`, `watchlist:NAME` or `team:NAME` (the CLI's `--scope`, the API's `scope`).
 * @throws {VigilError} VIGIL_INPUT_FORMAT naming the value.
 */
export function parseScope(text: string | undefined): ExposureScope {
  const t = (text ?? 'all').trim();
  if (t === '' || t === 'all') return { kind: 'all' };
  const m = /^(watchlist|team):(.+)$/.exec(t);
  if (!m) throw new VigilError('VIGIL_INPUT_FORMAT', ['scope', `"${t}": expected all, watchlist:NAME or team:NAME`]);
  return { kind: m[1] as 'watchlist' | 'team', name: (m[2] as string).trim() };
}

/**
 * The CVEs a scope covers and the watchlists whose alerts decide what is open.
 * - `all`: every CVE, every alert (`cves` and `watchlists` null);
 * - `watchlist:NAME`: the CVEs the watchlist's entries match through the alert matcher
 *   (alerts/preview.ts, as `vigil watch test` and `GET /api/v1/watchlists/NAME/matches` show
 *   them) with the entry's thresholds passing, i.e. the CVEs it would alert on; its own alerts;
 * - `team:NAME`: the union over the watchlists the team owns (none: an empty scope).
 * CVE ids come sorted and distinct.
 * @param merge SSVC settings of the merged view (config `ssvc`), as the matcher uses them.
 * @throws {VigilError} VIGIL_NOT_FOUND for an unknown watchlist or team.
 */
export async function resolveScope(
  stores: Pick<Stores, 'store' | 'alerts'> & { stats?: Pick<StatsStore, 'generation'> },
  scope: ExposureScope,
  merge: MergeOptions = {},
): Promise<ResolvedScope> {
  if (scope.kind === 'all') return { scope, label: 'all', cves: null, watchlists: null };
  let lists: Watchlist[];
  if (scope.kind === 'watchlist') {
    const w = await stores.alerts.getWatchlist(scope.name);
    if (!w) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${scope.name}`]);
    lists = [w];
  } else {
    const teams = await stores.alerts.listTeams();
    if (!teams.some((t) => t.name === scope.name)) throw new VigilError('VIGIL_NOT_FOUND', [`team ${scope.name}`]);
    lists = (await stores.alerts.listWatchlists()).filter((w) => 'team' in w.owner && w.owner.team === scope.name);
  }
  // One matcher run over every entry of the lists (one worker thread): a CVE is in the scope when
  // any entry of any list matches it with its thresholds passing.
  const entries = lists.flatMap((w) => w.entries).filter((e) => e.kind !== 'ioc'); // indicators match intel documents, never CVEs
  // The matcher reads every candidate CVE (seconds on a broad watchlist of a large store): with the
  // store's generation at hand (the API's), the answer is kept until the records or the entries change.
  const generation = stores.stats ? await stores.stats.generation() : null;
  const key = generation === null ? null : JSON.stringify([scope, generation, merge, lists.map((w) => [w.name, w.entries])]);
  const cache = key === null ? undefined : scopeCache(stores.store);
  const hit = key === null ? undefined : cache?.get(key);
  if (hit) return hit;
  const cves = new Set<string>();
  if (entries.length > 0) for (const m of (await previewMatches(stores.store, stores.alerts, entries, merge)).matches) if (m.passes) cves.add(m.cveId);
  const resolved: ResolvedScope = { scope, label: `${scope.kind}:${scope.name}`, cves: [...cves].sort(), watchlists: lists.map((w) => w.name).sort() };
  if (key !== null && cache) {
    cache.set(key, resolved);
    // The oldest out first: a few scopes per store are looked at, each at one generation.
    while (cache.size > SCOPE_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return resolved;
}

/** Resolved scopes kept per store (by the store object: one server, one cache). */
const SCOPE_CACHE_SIZE = 16;
const scopeCaches = new WeakMap<object, Map<string, ResolvedScope>>();
function scopeCache(store: object): Map<string, ResolvedScope> {
  const c = scopeCaches.get(store) ?? new Map<string, ResolvedScope>();
  scopeCaches.set(store, c);
  return c;
}
