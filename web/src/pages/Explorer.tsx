/**
 * The CVE explorer: full-text search with filters and a sortable, cursor-paged table
 * (`GET /api/v1/cves`, or `GET /api/v1/search` for relevance order). The URL holds the whole
 * query (`/ui/cves?q=pan-os&kev=1&minCvss=9&sort=epss`), so a search can be bookmarked and shared;
 * the cursors of earlier pages are kept in memory for "Previous".
 */
import { useEffect, useRef } from 'preact/hooks';
import { ExploitTag } from '../advisory/ui.tsx';
import { qs, request } from '../api.ts';
import { ErrorBox, KevTag, Loading, SeverityBadge } from '../components/ui.tsx';
import { fmtDate, fmtInt, fmtPct, fmtPrio } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link, navigate } from '../router.tsx';
import type { Page } from '../types.ts';
import type { CveRow } from '../types-advisories.ts';
import { CveExportMenu } from '../trends/CveExportMenu.tsx';
import { ExplorerFilters, effectiveSort, type Filters, SORTS, type Sort } from './ExplorerFilters.tsx';

const PAGE_SIZE = 50;

/** Earlier pages' cursors per query (without the cursor), for "Previous". */
const cursorStacks = new Map<string, string[]>();

function filtersOf(q: URLSearchParams): Filters {
  const sort = q.get('sort') ?? '';
  return {
    q: q.get('q') ?? '',
    kev: q.get('kev') === '1',
    exploit: q.get('exploit') === '1',
    minCvss: q.get('minCvss') ?? '',
    minEpss: q.get('minEpss') ?? '',
    vendor: q.get('vendor') ?? '',
    since: q.get('since') ?? '',
    rejected: q.get('rejected') === '1',
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as Sort) : '',
  };
}

/** The dashboard URL of a query. */
function urlOf(f: Filters, cursor?: string | null): string {
  return href('/cves', {
    q: f.q.trim(),
    kev: f.kev,
    exploit: f.exploit,
    minCvss: f.minCvss,
    minEpss: f.minEpss,
    vendor: f.vendor.trim(),
    since: f.since,
    rejected: f.rejected,
    sort: f.sort || null,
    cursor: cursor ?? null,
  });
}

/** The API call for a query. EPSS is entered in percent in the form, sent as 0–1. */
function apiPath(f: Filters, cursor: string | null): string {
  const sort = effectiveSort(f);
  const relevance = sort === 'relevance' && f.q.trim() !== '';
  const params = {
    q: f.q.trim(),
    kev: f.kev ? 'true' : null,
    exploit: f.exploit ? 'true' : null,
    minCvss: f.minCvss,
    minEpss: f.minEpss === '' ? null : String(Number(f.minEpss) / 100),
    vendor: f.vendor.trim(),
    since: f.since,
    includeRejected: f.rejected ? 'true' : null,
    sort,
    limit: PAGE_SIZE,
    cursor,
  };
  return `${relevance ? '/api/v1/search' : '/api/v1/cves'}${qs(params)}`;
}

const COLUMNS: { label: string; sort?: Sort; num?: boolean }[] = [
  { label: 'CVE' },
  { label: 'Title' },
  { label: 'Severity · CVSS', sort: 'cvss' },
  { label: 'EPSS', sort: 'epss', num: true },
  { label: 'Priority', sort: 'priority', num: true },
  { label: 'Published', sort: 'published' },
];

function ResultsTable({ items, filters }: { items: CveRow[]; filters: Filters }) {
  const sort = effectiveSort(filters);
  return (
    <div class="table-wrap">
      <table class="results" data-testid="results-table">
        <caption class="sr-only">Matching CVEs</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.label} scope="col" class={c.num ? 'num' : undefined} aria-sort={c.sort && sort === c.sort ? 'descending' : undefined}>
                {c.sort ? (
                  <button
                    type="button"
                    class="th-sort"
                    onClick={() => navigate(urlOf({ ...filters, sort: c.sort! }))}
                    title={`Sort by ${c.label}, highest first`}
                  >
                    {c.label}
                    <span aria-hidden="true">{sort === c.sort ? ' ▼' : ' ↕'}</span>
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.id} data-testid="cve-row" class={c.state === 'REJECTED' ? 'rejected' : undefined}>
              <td class="nowrap">
                <Link href={href(`/cves/${c.id}`)} class="mono">
                  {c.id}
                </Link>
                {c.state !== 'PUBLISHED' && <span class="tag">{c.state.toLowerCase()}</span>}
              </td>
              <td>
                {/* Title: the CNA's, else the description's first sentence; the snippet goes on from it (src/analysis/title.ts). */}
                <div class="clamp">{c.title ?? <span class="muted">No title or description</span>}</div>
                {c.snippet && (
                  <div class="muted small clamp" data-testid="cve-snippet">
                    {c.snippet}
                  </div>
                )}
                {c.vendors.length > 0 && <div class="muted small">{c.vendors.slice(0, 3).join(', ')}</div>}
              </td>
              <td class="nowrap">
                <SeverityBadge severity={c.severity} score={c.cvssScore} /> <KevTag kev={c.kev} ransomware={c.ransomware} />
                <ExploitTag count={c.exploits} />
              </td>
              <td class="num" title={c.percentile === null ? undefined : `percentile ${fmtPct(c.percentile)}`}>
                {fmtPct(c.epss)}
              </td>
              <td class="num">
                <span class="prio">{fmtPrio(c.priority)}</span>
              </td>
              <td class="nowrap">{fmtDate(c.published)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Explorer({ query }: { query: URLSearchParams }) {
  useTitle('CVEs');
  const filters = filtersOf(query);
  const cursor = query.get('cursor');
  const key = urlOf(filters);
  const page = useAsync((signal) => request<Page<CveRow>>(apiPath(filters, cursor), { signal }), [key, cursor]);
  const stack = cursorStacks.get(key) ?? [];
  const pageNo = stack.length + 1;
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (query.get('focus')) {
      searchRef.current?.focus();
      navigate(urlOf(filters, cursor), { replace: true });
    }
  }, [query]);

  function next() {
    const nextCursor = page.data?.nextCursor;
    if (!nextCursor) return;
    cursorStacks.set(key, [...stack, cursor ?? '']);
    navigate(urlOf(filters, nextCursor));
  }
  function previous() {
    const s = [...stack];
    const prev = s.pop();
    cursorStacks.set(key, s);
    navigate(urlOf(filters, prev || null));
  }

  return (
    <div class="page" data-testid="explorer">
      <div class="page-head">
        <h1>CVEs</h1>
        <CveExportMenu filters={filters} />
      </div>
      <ExplorerFilters key={key} initial={filters} searchRef={searchRef} onApply={(f) => navigate(urlOf(f))} />
      <ErrorBox error={page.error} />
      {page.loading && !page.data && <Loading what="Searching" />}
      {page.data && (
        <>
          <p class="muted" aria-live="polite" data-testid="results-count">
            {page.data.total !== undefined ? `${fmtInt(page.data.total)} ${page.data.total === 1 ? 'CVE matches' : 'CVEs match'}` : `${page.data.items.length} shown`}
            {page.data.items.length > 0 && (pageNo > 1 || page.data.nextCursor)
              ? ` · ${fmtInt((pageNo - 1) * PAGE_SIZE + 1)}–${fmtInt((pageNo - 1) * PAGE_SIZE + page.data.items.length)} shown (page ${pageNo})`
              : ''}
            {page.loading ? ' · updating…' : ''}
          </p>
          {page.data.items.length === 0 ? <p>No CVE matches these filters.</p> : <ResultsTable items={page.data.items} filters={filters} />}
          <nav class="pager" aria-label="Pages">
            <button type="button" class="btn" onClick={previous} disabled={!cursor}>
              ← Previous
            </button>
            <button type="button" class="btn" onClick={next} disabled={!page.data.nextCursor} data-testid="next-page">
              Next →
            </button>
          </nav>
        </>
      )}
    </div>
  );
}
