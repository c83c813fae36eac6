/**
 * The intel document list's filter form: words, source, CVE and date, applied on submit (Enter,
 * Search or Apply). The story cluster is not a field: it comes from a "N sources" badge and is
 * kept until cleared. The page puts the whole {@link IntelFilters} value in the URL.
 */
import { useState } from 'preact/hooks';

/** The document query as entered (`''`: any). */
export interface IntelFilters {
  /** Words searched in title and text. */
  q: string;
  source: string;
  cve: string;
  /** `YYYY-MM-DD`: published (else fetched) on or after. */
  since: string;
  /** Id of a story cluster (its first document). */
  cluster: string;
}

/** The filters of a dashboard URL's query. */
export function intelFiltersOf(q: URLSearchParams): IntelFilters {
  return {
    q: q.get('q') ?? '',
    source: q.get('source') ?? '',
    cve: q.get('cve') ?? '',
    since: q.get('since') ?? '',
    cluster: q.get('cluster') ?? '',
  };
}

/** The API's query of the filters (trimmed; source names are lower case, CVE ids upper case). */
export function intelQuery(f: IntelFilters): Record<string, string> {
  return {
    q: f.q.trim(),
    source: f.source.trim().toLowerCase(),
    cve: f.cve.trim().toUpperCase(),
    since: f.since,
    cluster: f.cluster,
  };
}

export function IntelFilterForm(props: {
  initial: IntelFilters;
  sources: string[];
  onApply: (f: IntelFilters) => void;
}) {
  const { initial, sources, onApply } = props;
  const [f, setF] = useState(initial);
  function set<K extends keyof IntelFilters>(k: K, v: IntelFilters[K]) {
    setF({ ...f, [k]: v });
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: role="search" on a form is what readers support; <search> is not yet
    <form
      class="filters"
      role="search"
      aria-label="Filter intel documents"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <div class="search-row">
        <label for="intel-search" class="sr-only">
          Search intel documents
        </label>
        <input
          id="intel-search"
          type="search"
          placeholder="Search titles and text (press / to focus)"
          value={f.q}
          onInput={(e) => set('q', e.currentTarget.value)}
          data-testid="search-input"
          autoComplete="off"
        />
        <button class="btn btn-primary" type="submit" data-testid="intel-search-button">
          Search
        </button>
      </div>
      <div class="filter-row">
        <span class="field">
          <label for="intel-source">Source</label>
          <input
            id="intel-source"
            type="text"
            list="intel-source-names"
            value={f.source}
            onInput={(e) => set('source', e.currentTarget.value)}
            autoComplete="off"
            spellcheck={false}
            data-testid="filter-source"
          />
          <datalist id="intel-source-names">
            {sources.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </span>
        <span class="field">
          <label for="intel-cve">CVE</label>
          <input
            id="intel-cve"
            type="text"
            placeholder="CVE-2024-3400"
            pattern="\s*[Cc][Vv][Ee]-\d{4}-\d{4,}\s*"
            title="A CVE id: CVE-YYYY-NNNN"
            value={f.cve}
            onInput={(e) => set('cve', e.currentTarget.value)}
            autoComplete="off"
            spellcheck={false}
            class="mono"
            data-testid="filter-cve"
          />
        </span>
        <span class="field">
          <label for="intel-since">Published since</label>
          <input id="intel-since" type="date" value={f.since} onChange={(e) => set('since', e.currentTarget.value)} />
        </span>
        <button class="btn" type="submit">
          Apply
        </button>
      </div>
    </form>
  );
}
