/**
 * The cumulative threat-exposure index (`GET /api/v1/exposure`; docs/exposure.md): the exposure and
 * the open exposure as lines, the daily weighted score as bars, with a scope selector and the
 * half-life H. {@link ExposurePanel} is the Trends page's; {@link ExposureCard} the Overview's small
 * one (everything, the default half-life, the per-day chart's 90 days).
 */
import { useMemo } from 'preact/hooks';
import { qs, request } from '../api.ts';
import { Chart } from '../charts/Chart.tsx';
import { ErrorBox, Loading } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { ExposurePoint, ExposureResponse } from '../types-trends.ts';
import { DEFAULT_HALF_LIFE, exposureApiQuery, type ScopeOption, type TrendsState } from './model.ts';
import { exposureOption } from './options.ts';
import { ScopeSelect } from './TrendsForm.tsx';

/** The formula, as docs/exposure.md states it (the tooltip of "How is this computed?"). */
export const EXPOSURE_FORMULA =
  'Daily score W(t) = Σ priority/100 over the scope’s non-rejected CVEs published on day t (UTC; priority 0–100, so a ' +
  'must-fix CVE weighs about 1). Exposure E(t) = W(t) + 2^(−1/H) · E(t−1): a CVE’s weight halves every H days, and days ' +
  'without CVEs still decay; E is roughly the weighted number of CVEs of the last 1.44·H days. Open exposure: the same over ' +
  'CVEs not closed, a CVE being closed when all its alerts in the scope’s watchlists are triaged fixed or ignored. ' +
  'Details: docs/exposure.md.';

function fmt2(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function Explain() {
  return (
    <details class="explain small">
      <summary title={EXPOSURE_FORMULA} data-testid="exposure-formula">
        How is this computed?
      </summary>
      <p>{EXPOSURE_FORMULA}</p>
    </details>
  );
}

/** Last day's figures in text (the chart's figures, readable without it). */
function LastDay({ points }: { points: ExposurePoint[] }) {
  const last = points[points.length - 1];
  if (!last) return null;
  const first = points[0]!;
  const change = last.exposure - first.exposure;
  return (
    <p class="small" data-testid="exposure-last" data-date={last.date} data-exposure={last.exposure} data-open={last.openExposure}>
      On {last.date}: exposure <b>{fmt2(last.exposure)}</b>, open <b>{fmt2(last.openExposure)}</b>, daily score {fmt2(last.score)}
      <span class="muted">
        {' '}
        ({change >= 0 ? '+' : '−'}
        {fmt2(Math.abs(change))} since {first.date})
      </span>
    </p>
  );
}

function ExposureChart({ points, height, scope }: { points: ExposurePoint[]; height: number; scope: string }) {
  const option = useMemo(() => exposureOption(points), [points]);
  const last = points[points.length - 1];
  return (
    <Chart
      option={option}
      height={height}
      renderer="svg"
      testId="exposure-chart"
      label={`Threat exposure of ${scope} from ${points[0]?.date ?? '—'} to ${last?.date ?? '—'}${last ? `: ${fmt2(last.exposure)} on the last day, ${fmt2(last.openExposure)} open` : ''}`}
    />
  );
}

export function ExposurePanel({
  state,
  window,
  scopes,
  onApply,
}: {
  state: TrendsState;
  /** The window shown when the page sets none: the trend's (as the server resolved it). */
  window: { since: string; until: string } | null;
  scopes: ScopeOption[];
  onApply: (s: TrendsState) => void;
}) {
  const q = { ...state, since: state.since || window?.since || '', until: state.until || window?.until || '' };
  const series = useAsync(
    (signal) => request<ExposureResponse>(`/api/v1/exposure${qs(exposureApiQuery(q))}`, { signal }),
    [q.scope, q.since, q.until, q.halfLife],
  );
  const points = series.data?.points ?? [];
  return (
    <>
      <div class="filter-row">
        <ScopeSelect id="exposure-scope" value={state.scope} options={scopes} onChange={(scope) => onApply({ ...state, scope, open: null })} />
        <span class="field">
          <label for="exposure-half-life">Half-life (days)</label>
          <input
            id="exposure-half-life"
            type="number"
            min={1}
            max={3650}
            value={state.halfLife}
            data-testid="exposure-half-life"
            onChange={(e) => {
              const h = Number(e.currentTarget.value);
              if (h > 0 && h <= 3650) onApply({ ...state, halfLife: h });
            }}
          />
        </span>
        <Explain />
      </div>
      <ErrorBox error={series.error} />
      {series.loading && !series.data && <Loading />}
      {series.data && (
        <p class="muted small" data-testid="exposure-scope-size">
          {series.data.cves === null ? 'Every stored CVE' : `${series.data.cves.toLocaleString('en-US')} CVEs in ${series.data.scope}`}, half-life{' '}
          {series.data.halfLifeDays} days.
        </p>
      )}
      {points.length > 0 && (
        <>
          <ExposureChart points={points} height={300} scope={state.scope} />
          <LastDay points={points} />
        </>
      )}
      {series.data && points.length === 0 && <p class="muted">No day in this window.</p>}
    </>
  );
}

/** The Overview's card: everything, the default half-life, over `since`–`until` (the per-day chart's 90 days). */
export function ExposureCard({ since, until }: { since: string; until: string }) {
  const series = useAsync(
    (signal) => request<ExposureResponse>(`/api/v1/exposure${qs({ since, until, halfLife: DEFAULT_HALF_LIFE })}`, { signal }),
    [since, until],
  );
  const points = series.data?.points ?? [];
  return (
    <div data-testid="exposure-card">
      <ErrorBox error={series.error} />
      {series.loading && !series.data && <Loading />}
      {points.length > 0 && (
        <>
          <ExposureChart points={points} height={220} scope="everything" />
          <LastDay points={points} />
        </>
      )}
      <p class="small">
        <Link href={href('/trends')}>Trends and exposure by scope →</Link> <Explain />
      </p>
    </div>
  );
}
