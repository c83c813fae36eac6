/**
 * The advisory list's filter form. Text and date fields apply on submit (Enter, Search or Apply);
 * the selects apply at once. The form reports a whole {@link AdvisoryFilters} value; the page puts it in
 * the URL.
 */
import { useState } from 'preact/hooks';
import { ADVISORY_SOURCES, type AdvisoryKind, KIND_LABELS } from '../types-advisories.ts';

/** The advisory query as entered (`''`: any). */
export interface AdvisoryFilters {
  q: string;
  source: string;
  kind: AdvisoryKind | '';
  cve: string;
  vendor: string;
  /** `YYYY-MM-DD`. */
  since: string;
}

/** The filters of a dashboard URL's query. */
export function advisoryFiltersOf(q: URLSearchParams): AdvisoryFilters {
  const kind = q.get('kind') ?? '';
  return {
    q: q.get('q') ?? '',
    source: q.get('source') ?? '',
    kind: kind in KIND_LABELS ? (kind as AdvisoryKind) : '',
    cve: q.get('cve') ?? '',
    vendor: q.get('vendor') ?? '',
    since: q.get('since') ?? '',
  };
}

export function AdvisoryFilterForm({ initial, onApply }: { initial: AdvisoryFilters; onApply: (f: AdvisoryFilters) => void }) {
  const [f, setF] = useState(initial);
  function set<K extends keyof AdvisoryFilters>(k: K, v: AdvisoryFilters[K], applyNow = false) {
    const nf = { ...f, [k]: v };
    setF(nf);
    if (applyNow) onApply(nf);
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form with role="search" is the landmark every browser and screen reader supports; <search> is not yet
    <form
      class="filters"
      role="search"
      aria-label="Filter advisories"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <div class="search-row">
        <label for="adv-search" class="sr-only">
          Search advisories
        </label>
        <input
          id="adv-search"
          type="search"
          placeholder="Search id, title and summary (press / to focus)"
          value={f.q}
          onInput={(e) => set('q', e.currentTarget.value)}
          data-testid="search-input"
          autoComplete="off"
        />
        <button class="btn btn-primary" type="submit" data-testid="advisory-search">
          Search
        </button>
      </div>
      <div class="filter-row">
        <span class="field">
          <label for="adv-source">Source</label>
          <select id="adv-source" value={f.source} onChange={(e) => set('source', e.currentTarget.value, true)} data-testid="filter-source">
            <option value="">Any source</option>
            {Object.entries(ADVISORY_SOURCES).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="adv-kind">Kind</label>
          <select id="adv-kind" value={f.kind} onChange={(e) => set('kind', e.currentTarget.value as AdvisoryKind | '', true)} data-testid="filter-kind">
            <option value="">Any kind</option>
            {Object.entries(KIND_LABELS).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="adv-cve">CVE</label>
          <input
            id="adv-cve"
            type="text"
            placeholder="CVE-2024-3400"
            pattern="\s*[Cc][Vv][Ee]-\d{4}-\d{4,}\s*"
            title="A CVE id: CVE-YYYY-NNNN"
            value={f.cve}
            onInput={(e) => set('cve', e.currentTarget.value)}
            autoComplete="off"
            spellcheck={false}
            class="mono"
          />
        </span>
        <span class="field">
          <label for="adv-vendor">Vendor</label>
          <input id="adv-vendor" type="text" value={f.vendor} onInput={(e) => set('vendor', e.currentTarget.value)} autoComplete="off" />
        </span>
        <span class="field">
          <label for="adv-since">Published since</label>
          <input id="adv-since" type="date" value={f.since} onChange={(e) => set('since', e.currentTarget.value)} />
        </span>
        <button class="btn" type="submit">
          Apply
        </button>
      </div>
    </form>
  );
}
