/**
 * Trends (`/ui/trends?by=&interval=&since=&until=&top=&scope=&halfLife=&key=&bucket=`): counts per
 * day, week or month along one dimension as stacked series with breakouts pinned, the list of what
 * a clicked bucket counted, EPSS movers and buzz over the same window, and the threat-exposure
 * index of the scope. The URL holds the whole state, so a view can be bookmarked and shared.
 */
import '../trends/trends.css';
import { itemsOf, qs, request } from '../api.ts';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { useAsync, useTitle } from '../hooks.ts';
import { href, navigate } from '../router.tsx';
import { ExposurePanel } from '../trends/Exposure.tsx';
import { scopeOptions, type TrendsState, trendsApiQuery, trendsQuery, trendsStateOf } from '../trends/model.ts';
import { BuzzPanel, EpssMoversPanel } from '../trends/Panels.tsx';
import { TrendPanel } from '../trends/TrendPanel.tsx';
import { TrendsForm } from '../trends/TrendsForm.tsx';
import type { Watchlist } from '../types-alerts.ts';
import { DIMENSION_LABELS, type TrendResult } from '../types-trends.ts';

function urlOf(s: TrendsState): string {
  return href('/trends', trendsQuery(s));
}

export function Trends({ query }: { query: URLSearchParams }) {
  useTitle('Trends');
  const state = trendsStateOf(query);
  const apply = (s: TrendsState) => navigate(urlOf(s), { replace: true });
  const lists = useAsync((signal) => request<Watchlist[] | { items: Watchlist[] }>('/api/v1/watchlists', { signal }), []);
  const scopes = scopeOptions(itemsOf(lists.data));
  const trendKey = qs(trendsApiQuery(state));
  const trend = useAsync((signal) => request<TrendResult>(`/api/v1/trends${trendKey}`, { signal }), [trendKey]);
  const t = trend.data;
  const what = state.by === 'source' || state.by === 'intel' ? 'Documents' : state.by === 'kev' ? 'KEV additions' : state.by === 'buzz' ? 'Mentions' : 'CVEs';
  return (
    <div class="page" data-testid="trends">
      <div class="page-head">
        <h1>Trends</h1>
      </div>
      <TrendsForm state={state} scopes={scopes} onApply={apply} />
      <div class="grid-2">
        <div class="span-2">
          <Panel title={`${what} per ${state.interval} by ${DIMENSION_LABELS[state.by].toLowerCase()}`} id="trend">
            <ErrorBox error={trend.error} />
            {trend.loading && !t && <Loading what="Counting" />}
            {t && <TrendPanel state={state} result={t} onOpen={(open) => apply({ ...state, open })} />}
          </Panel>
        </div>
        {t && (
          <>
            <Panel title="EPSS movers" id="trend-movers">
              <p class="muted small">
                Largest rises of exploitation probability from {t.since} to {t.until}.
              </p>
              <EpssMoversPanel state={state} since={t.since} until={t.until} />
            </Panel>
            <Panel title="Buzz" id="trend-buzz">
              <p class="muted small">
                CVEs most named by intel documents from {t.since} to {t.until}.
              </p>
              <BuzzPanel state={state} since={t.since} until={t.until} />
            </Panel>
          </>
        )}
        {(t || trend.error) && (
          <div class="span-2">
            <Panel title="Threat exposure" id="exposure">
              <ExposurePanel state={state} window={t ? { since: t.since, until: t.until } : null} scopes={scopes} onApply={apply} />
            </Panel>
          </div>
        )}
      </div>
    </div>
  );
}
