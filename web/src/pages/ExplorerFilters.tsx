/**
 * The explorer's search form. Text fields apply on submit (Enter or the Search button); checkboxes
 * and selects apply at once. The form reports a whole {@link Filters} value; the explorer puts it
 * in the URL.
 */
import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';

export const SORTS = ['priority', 'published', 'epss', 'cvss', 'relevance'] as const;
export type Sort = (typeof SORTS)[number];

const SORT_LABELS: Record<Sort, string> = {
  priority: 'Priority',
  published: 'Newest published',
  epss: 'EPSS',
  cvss: 'CVSS',
  relevance: 'Relevance (with search text)',
};

/** The explorer query as entered. `minEpss` is in percent (0–100). */
export interface Filters {
  q: string;
  kev: boolean;
  /** Only CVEs with a public exploit (Exploit-DB). */
  exploit: boolean;
  minCvss: string;
  minEpss: string;
  vendor: string;
  since: string;
  rejected: boolean;
  /** `''`: the default, priority (most important first, as `vigil search`; relevance on request). */
  sort: Sort | '';
}

/** The sort in effect for a query. */
export function effectiveSort(f: Filters): Sort {
  return f.sort || 'priority';
}

export interface ExplorerFiltersProps {
  initial: Filters;
  onApply: (f: Filters) => void;
  searchRef: RefObject<HTMLInputElement>;
}

export function ExplorerFilters({ initial, onApply, searchRef }: ExplorerFiltersProps) {
  const [f, setF] = useState(initial);
  function set<K extends keyof Filters>(k: K, v: Filters[K], applyNow = false) {
    const nf = { ...f, [k]: v };
    setF(nf);
    if (applyNow) onApply(nf);
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form with role="search" is the landmark every browser and screen reader supports; <search> is not yet
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <div class="search-row">
        <label for="cve-search" class="sr-only">
          Search CVEs
        </label>
        <input
          id="cve-search"
          type="search"
          ref={searchRef}
          placeholder="Search title and description (press / to focus)"
          value={f.q}
          onInput={(e) => set('q', e.currentTarget.value)}
          data-testid="search-input"
          autoComplete="off"
        />
        <button class="btn btn-primary" type="submit" data-testid="search-submit">
          Search
        </button>
      </div>
      <div class="filter-row">
        <label class="check">
          <input type="checkbox" checked={f.kev} onChange={(e) => set('kev', e.currentTarget.checked, true)} data-testid="filter-kev" /> KEV only
        </label>
        <label class="check">
          <input type="checkbox" checked={f.exploit} onChange={(e) => set('exploit', e.currentTarget.checked, true)} data-testid="filter-exploit" /> Public
          exploit
        </label>
        <label class="check">
          <input type="checkbox" checked={f.rejected} onChange={(e) => set('rejected', e.currentTarget.checked, true)} /> Include rejected
        </label>
        <span class="field">
          <label for="f-mincvss">Min CVSS</label>
          <input
            id="f-mincvss"
            type="number"
            min={0}
            max={10}
            step={0.1}
            inputMode="decimal"
            value={f.minCvss}
            onInput={(e) => set('minCvss', e.currentTarget.value)}
          />
        </span>
        <span class="field">
          <label for="f-minepss">Min EPSS %</label>
          <input
            id="f-minepss"
            type="number"
            min={0}
            max={100}
            step={0.1}
            inputMode="decimal"
            value={f.minEpss}
            onInput={(e) => set('minEpss', e.currentTarget.value)}
          />
        </span>
        <span class="field">
          <label for="f-vendor">Vendor</label>
          <input id="f-vendor" type="text" value={f.vendor} onInput={(e) => set('vendor', e.currentTarget.value)} autoComplete="off" />
        </span>
        <span class="field">
          <label for="f-since">Published since</label>
          <input id="f-since" type="date" value={f.since} onChange={(e) => set('since', e.currentTarget.value)} />
        </span>
        <span class="field">
          <label for="f-sort">Sort by</label>
          <select id="f-sort" value={effectiveSort(f)} onChange={(e) => set('sort', e.currentTarget.value as Sort, true)} data-testid="sort-select">
            {SORTS.map((s) => (
              <option key={s} value={s} disabled={s === 'relevance' && !f.q.trim()}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </span>
        <button class="btn" type="submit">
          Apply
        </button>
      </div>
    </form>
  );
}
