/**
 * The Trends page's side panels over the trend's window: EPSS movers (`GET /api/v1/trends/epss-movers`:
 * largest rises of exploitation probability between the window's first and last scored days) and
 * buzz (`GET /api/v1/trends/buzz`: CVEs most named by intel documents published in the window).
 */
import { itemsOf, qs, request } from '../api.ts';
import { ErrorBox, KevTag, Loading } from '../components/ui.tsx';
import { fmtDate, fmtDelta, fmtPct } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { BuzzRow, EpssMover } from '../types-trends.ts';
import { buzzApiQuery, moversApiQuery, type TrendsState } from './model.ts';

const LIMIT = 15;

function CveLink({ id }: { id: string }) {
  return (
    <Link href={href(`/cves/${encodeURIComponent(id)}`)} class="mono">
      {id}
    </Link>
  );
}

export function EpssMoversPanel({ state, since, until }: { state: TrendsState; since: string; until: string }) {
  const movers = useAsync(
    (signal) => request<EpssMover[] | { items: EpssMover[] }>(`/api/v1/trends/epss-movers${qs(moversApiQuery(state, since, until, LIMIT))}`, { signal }),
    [state.scope, since, until],
  );
  const rows = itemsOf(movers.data);
  return (
    <>
      <ErrorBox error={movers.error} />
      {movers.loading && !movers.data && <Loading />}
      {movers.data && rows.length === 0 && <p class="muted">No EPSS change in this window.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table data-testid="trend-epss-movers">
            <caption class="sr-only">
              Largest EPSS rises from {since} to {until}
            </caption>
            <thead>
              <tr>
                <th scope="col">CVE</th>
                <th scope="col" class="num">
                  Before
                </th>
                <th scope="col" class="num">
                  After
                </th>
                <th scope="col" class="num">
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.cveId}>
                  <td>
                    <CveLink id={r.cveId} /> <KevTag kev={r.kev} />
                    {r.title && <div class="muted small clamp">{r.title}</div>}
                  </td>
                  <td class="num">{fmtPct(r.before)}</td>
                  <td class="num" title={`percentile ${fmtPct(r.percentile)}`}>
                    {fmtPct(r.after)}
                  </td>
                  <td class={`num ${r.delta >= 0 ? 'up' : 'down'}`}>{fmtDelta(r.delta)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function BuzzPanel({ state, since, until }: { state: TrendsState; since: string; until: string }) {
  const buzz = useAsync(
    (signal) => request<BuzzRow[] | { items: BuzzRow[] }>(`/api/v1/trends/buzz${qs(buzzApiQuery(state, since, until, LIMIT))}`, { signal }),
    [state.scope, since, until],
  );
  const rows = itemsOf(buzz.data);
  return (
    <>
      <ErrorBox error={buzz.error} />
      {buzz.loading && !buzz.data && <Loading />}
      {buzz.data && rows.length === 0 && <p class="muted">No intel document in this window names a CVE.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table data-testid="trend-buzz">
            <caption class="sr-only">
              CVEs most named by intel documents from {since} to {until}
            </caption>
            <thead>
              <tr>
                <th scope="col">CVE</th>
                <th scope="col" class="num">
                  Mentions
                </th>
                <th scope="col" class="num">
                  Sources
                </th>
                <th scope="col">Last</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.cveId}>
                  <td>
                    <CveLink id={r.cveId} />
                    {r.title && <div class="muted small clamp">{r.title}</div>}
                  </td>
                  <td class="num">{r.mentions}</td>
                  <td class="num">{r.sources}</td>
                  <td class="nowrap">
                    <Link href={href('/intel', { cve: r.cveId })}>{fmtDate(r.last)}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
