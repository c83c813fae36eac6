/**
 * The trend itself: stacked series (`GET /api/v1/trends`) with breakouts pinned, a table of the
 * series (totals and breakouts, each a button: the chart's figures in text, and a way in for the
 * keyboard), and the list of what one bucket counted (`GET /api/v1/trends/members`), opened by
 * clicking a bar or a breakout.
 */
import { useMemo } from 'preact/hooks';
import { qs, request } from '../api.ts';
import { Chart } from '../charts/Chart.tsx';
import { ErrorBox, Loading } from '../components/ui.tsx';
import { fmtDate, fmtInt, fmtPrio } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { TrendMembersResponse, TrendResult } from '../types-trends.ts';
import { bucketLabel, fmtP, memberPath, membersApiQuery, type TrendsState } from './model.ts';
import { OTHER_COLOUR, SERIES_COLOURS, targetOf, trendOption } from './options.ts';

type Open = { key: string; bucket: string };

function SeriesTable({ result, onOpen }: { result: TrendResult; onOpen: (o: Open) => void }) {
  const other = result.other.reduce((a, b) => a + b, 0);
  return (
    <div class="table-wrap">
      <table class="trend-series" data-testid="trend-series">
        <caption class="sr-only">Series of the chart with their totals and breakouts</caption>
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col" class="num">
              Total
            </th>
            <th scope="col">Breakouts (count against the trailing baseline)</th>
          </tr>
        </thead>
        <tbody>
          {result.series.map((s, i) => (
            <tr key={s.key} data-testid="trend-series-row" data-key={s.key}>
              <td>
                <span class="swatch" style={{ background: SERIES_COLOURS[i % SERIES_COLOURS.length] }} aria-hidden="true" />
                {s.label}
              </td>
              <td class="num" data-testid="trend-series-total">
                {fmtInt(s.total)}
              </td>
              <td>
                {s.breakouts.length === 0 && <span class="muted small">none</span>}
                {s.breakouts.map((b) => (
                  <button
                    key={b.bucket}
                    type="button"
                    class="btn btn-quiet breakout"
                    data-testid="trend-breakout"
                    data-bucket={b.bucket}
                    title={`${b.count} against a baseline of ${b.baseline.toFixed(1)} per ${result.interval} (${fmtP(b.pValue)}); click to list them`}
                    onClick={() => onOpen({ key: s.key, bucket: b.bucket })}
                  >
                    ▲ {bucketLabel(b.bucket, result.interval)}: {b.count} vs {b.baseline.toFixed(1)}
                  </button>
                ))}
              </td>
            </tr>
          ))}
          {other > 0 && (
            <tr data-testid="trend-series-other">
              <td>
                <span class="swatch" style={{ background: OTHER_COLOUR }} aria-hidden="true" />
                Other
              </td>
              <td class="num">{fmtInt(other)}</td>
              <td class="muted small">everything outside the top {result.series.length}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function Members({ state, result, open, onClose }: { state: TrendsState; result: TrendResult; open: Open; onClose: () => void }) {
  const members = useAsync(
    (signal) => request<TrendMembersResponse>(`/api/v1/trends/members${qs(membersApiQuery(state, open))}`, { signal }),
    [state.by, state.interval, state.scope, open.key, open.bucket],
  );
  const series = result.series.find((s) => s.key === open.key);
  const i = result.buckets.indexOf(open.bucket);
  const breakout = series?.breakouts.find((b) => b.bucket === open.bucket);
  const m = members.data;
  return (
    <section class="trend-members" aria-labelledby="members-h" data-testid="trend-members" data-key={open.key} data-bucket={open.bucket}>
      <header class="panel-head">
        <h3 id="members-h">
          {series?.label ?? open.key} · {bucketLabel(open.bucket, result.interval)}
          {series && i >= 0 ? `: ${fmtInt(series.counts[i])}` : ''}
        </h3>
        <button type="button" class="btn btn-quiet" onClick={onClose} aria-label="Close the list">
          ✕
        </button>
      </header>
      {breakout && (
        <p class="small breakout-note">
          Breakout: {breakout.count} against a trailing baseline of {breakout.baseline.toFixed(1)} per {result.interval} ({fmtP(breakout.pValue)}).
        </p>
      )}
      <ErrorBox error={members.error} />
      {members.loading && !m && <Loading />}
      {m && (
        <>
          <p class="muted small" data-testid="trend-members-count">
            {fmtInt(m.total)} counted{m.items.length < m.total ? `, the first ${fmtInt(m.items.length)} listed` : ''}
          </p>
          <ol class="plain members">
            {m.items.map((x) => (
              <li key={`${x.kind}:${x.id}`} data-testid="trend-member">
                <Link href={href(memberPath(x))} class="mono">
                  {x.id}
                </Link>{' '}
                {x.priority !== null && (
                  <span class="prio" title="Priority score, 0–100">
                    {fmtPrio(x.priority)}
                  </span>
                )}{' '}
                <span class="muted small nowrap">{fmtDate(x.date)}</span> <span class="small">{x.title}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

export function TrendPanel({ state, result, onOpen }: { state: TrendsState; result: TrendResult; onOpen: (o: Open | null) => void }) {
  const option = useMemo(() => trendOption(result), [result]);
  const label = `CVE counts per ${result.interval} by ${result.by} from ${result.since} to ${result.until}: ${result.series
    .map((s) => `${s.label} ${s.total}${s.breakouts.length ? ` (${s.breakouts.length} breakout${s.breakouts.length > 1 ? 's' : ''})` : ''}`)
    .join(', ')}`;
  const empty = result.series.length === 0 && result.other.every((c) => c === 0);
  return (
    <>
      {empty ? (
        <p class="muted" data-testid="trend-empty">
          Nothing counted from {result.since} to {result.until}.
        </p>
      ) : (
        <Chart
          option={option}
          label={label}
          height={380}
          renderer="svg"
          testId="trend-chart"
          onClick={(params) => {
            const t = targetOf(result, params);
            if (t) onOpen(t);
          }}
        />
      )}
      <p class="muted small">
        {result.buckets.length} {result.interval}s from {result.since} to {result.until}. Click a bar to list what it counted; ▲ marks a breakout (a count well
        above the series' own trailing baseline: a Poisson test, described in <code>docs/trends.md</code>).
      </p>
      {state.open && <Members key={`${state.open.key}@${state.open.bucket}`} state={state} result={result} open={state.open} onClose={() => onOpen(null)} />}
      <SeriesTable result={result} onOpen={onOpen} />
    </>
  );
}
