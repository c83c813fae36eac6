/**
 * Scopes of the exposure index and of trends (issue 15): `all`, `watchlist:NAME`, `team:NAME`.
 */
import { VigilError } from '../errors.ts';
import type { Stores } from '../store/index.ts';
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
 * The CVEs a scope covers (a watchlist's matches through the alert matcher; a team's: the union
 * of its watchlists') and the watchlists whose alerts decide what is open.
 * @throws {VigilError} VIGIL_NOT_FOUND for an unknown watchlist or team.
 */
export async function resolveScope(_stores: Pick<Stores, 'store' | 'alerts'>, scope: ExposureScope): Promise<ResolvedScope> {
  if (scope.kind === 'all') return { scope, label: 'all', cves: null, watchlists: null };
  throw new Error('not implemented yet (issue 15)');
}
