/**
 * The Trends page's controls: dimension, interval, window (since/until), top N and scope. Each
 * change applies at once (the page puts it in the URL); the bucket opened for its list closes.
 */
import { DIMENSION_LABELS, TREND_DIMENSIONS, TREND_INTERVALS } from '../types-trends.ts';
import type { ScopeOption, TrendsState } from './model.ts';

/** The scope selector, shared by the trend and the exposure panels. */
export function ScopeSelect({ id, value, options, onChange }: { id: string; value: string; options: ScopeOption[]; onChange: (scope: string) => void }) {
  const known = options.some((o) => o.value === value);
  return (
    <span class="field">
      <label for={id}>Scope</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={`${id}-select`}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {!known && <option value={value}>{value}</option>}
      </select>
    </span>
  );
}

export function TrendsForm({ state, scopes, onApply }: { state: TrendsState; scopes: ScopeOption[]; onApply: (s: TrendsState) => void }) {
  function set<K extends keyof TrendsState>(k: K, v: TrendsState[K]) {
    onApply({ ...state, [k]: v, open: null });
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: role="search" on a form is what readers support; <search> is not yet
    <form class="filters trends-form" role="search" aria-label="Trend settings" onSubmit={(e) => e.preventDefault()}>
      <div class="filter-row">
        <span class="field">
          <label for="trend-by">Count by</label>
          <select id="trend-by" value={state.by} onChange={(e) => set('by', e.currentTarget.value as TrendsState['by'])} data-testid="trend-by">
            {TREND_DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {DIMENSION_LABELS[d]}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="trend-interval">Per</label>
          <select
            id="trend-interval"
            value={state.interval}
            onChange={(e) => set('interval', e.currentTarget.value as TrendsState['interval'])}
            data-testid="trend-interval"
          >
            {TREND_INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="trend-since">Since</label>
          <input id="trend-since" type="date" value={state.since} onChange={(e) => set('since', e.currentTarget.value)} data-testid="trend-since" />
        </span>
        <span class="field">
          <label for="trend-until">Until</label>
          <input id="trend-until" type="date" value={state.until} onChange={(e) => set('until', e.currentTarget.value)} data-testid="trend-until" />
        </span>
        <span class="field">
          <label for="trend-top">Top</label>
          <input
            id="trend-top"
            type="number"
            min={1}
            max={50}
            value={state.top}
            onChange={(e) => {
              const n = Math.round(Number(e.currentTarget.value));
              if (n >= 1 && n <= 50) set('top', n);
            }}
            data-testid="trend-top"
          />
        </span>
        <ScopeSelect id="trend-scope" value={state.scope} options={scopes} onChange={(scope) => set('scope', scope)} />
      </div>
    </form>
  );
}
