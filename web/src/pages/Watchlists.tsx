/** Watchlists (`GET /api/v1/watchlists`): what each watches and who owns it. */
import { request } from '../api.ts';
import { ErrorBox, Loading } from '../components/ui.tsx';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';
import type { Owner, Watchlist } from '../types-alerts.ts';

export function ownerText(o: Owner): string {
  return 'user' in o ? o.user : `team ${o.team}`;
}

export function Watchlists({ me }: { me: Me }) {
  useTitle('Watchlists');
  const lists = useAsync((signal) => request<{ items: Watchlist[] }>('/api/v1/watchlists', { signal }), []);
  return (
    <div class="page" data-testid="watchlists">
      <div class="page-head">
        <h1>Watchlists</h1>
        {hasRole(me, 'analyst') && (
          <Link href={href('/watchlists/new')} class="btn btn-primary" data-testid="new-watchlist">
            New watchlist
          </Link>
        )}
      </div>
      <ErrorBox error={lists.error} />
      {lists.loading && !lists.data && <Loading />}
      {lists.data && lists.data.items.length === 0 && <p>No watchlist yet.{hasRole(me, 'analyst') ? ' Create one to be alerted about what you run.' : ''}</p>}
      {lists.data && lists.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Watchlists</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Owner</th>
                <th scope="col">Watches</th>
                <th scope="col" class="num">
                  Subscriptions
                </th>
              </tr>
            </thead>
            <tbody>
              {lists.data.items.map((w) => (
                <tr key={w.name} data-testid="watchlist-row">
                  <td>
                    <Link href={href(`/watchlists/${encodeURIComponent(w.name)}`)}>{w.name}</Link>
                  </td>
                  <td>{w.description ?? <span class="muted">—</span>}</td>
                  <td>{ownerText(w.owner)}</td>
                  <td class="small">
                    {w.entries.slice(0, 4).map((e, i) => (
                      <span key={i} class="chip">
                        {e.kind}: {e.vendor ? `${e.vendor}:` : ''}
                        {e.value}
                        {e.version ? ` ${e.version}` : ''}
                      </span>
                    ))}
                    {w.entries.length > 4 && <span class="muted"> +{w.entries.length - 4} more</span>}
                  </td>
                  <td class="num">{w.subscriptions?.length ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
