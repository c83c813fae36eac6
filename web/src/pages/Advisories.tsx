/**
 * Advisories and exploits (`GET /api/v1/advisories`): CERT bulletins and alerts, package
 * advisories (OSV, GHSA), vendor CSAF and VEX documents and Exploit-DB exploits, newest first,
 * filtered and cursor-paged. The URL holds the whole query
 * (`/ui/advisories?source=certfr&cve=CVE-2024-3400`); earlier pages' cursors are kept in memory for
 * "Previous".
 */
import { qs, request } from '../api.ts';
import { AdvisoryFilterForm, type AdvisoryFilters, advisoryFiltersOf } from '../advisory/AdvisoryFilters.tsx';
import { AdvisorySeverity, ExploitFacts, KindTag, sourceName } from '../advisory/ui.tsx';
import { ErrorBox, Loading } from '../components/ui.tsx';
import { fmtDate, fmtInt } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link, navigate } from '../router.tsx';
import type { Page } from '../types.ts';
import type { AdvisorySummary } from '../types-advisories.ts';

const PAGE_SIZE = 50;

/** Earlier pages' cursors per query (without the cursor), for "Previous". */
const cursorStacks = new Map<string, string[]>();

function query(f: AdvisoryFilters) {
  return { q: f.q.trim(), source: f.source, kind: f.kind, cve: f.cve.trim().toUpperCase(), vendor: f.vendor.trim(), since: f.since };
}

/** The dashboard URL of a query. */
function urlOf(f: AdvisoryFilters, cursor?: string | null): string {
  return href('/advisories', { ...query(f), cursor: cursor ?? null });
}

function AdvisoryTable({ items }: { items: AdvisorySummary[] }) {
  return (
    <div class="table-wrap">
      <table class="advisories" data-testid="advisories-table">
        <caption class="sr-only">Matching advisories, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Advisory</th>
            <th scope="col">Source</th>
            <th scope="col">Kind</th>
            <th scope="col">Published</th>
            <th scope="col">Severity</th>
            <th scope="col" class="num">
              CVEs
            </th>
            <th scope="col">Title</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} data-testid="advisory-row">
              <td class="nowrap">
                <Link href={href(`/advisories/${encodeURIComponent(a.id)}`)} class="mono">
                  {a.id}
                </Link>
              </td>
              <td class="nowrap adv-source">{sourceName(a.source)}</td>
              <td class="nowrap">
                <KindTag kind={a.kind} />
              </td>
              <td class="nowrap">{fmtDate(a.published ?? a.modified)}</td>
              <td class="nowrap">
                <AdvisorySeverity severity={a.severity} />
              </td>
              <td class="num" title={a.cves.length > 0 ? a.cves.slice(0, 20).join(', ') + (a.cves.length > 20 ? ', …' : '') : undefined}>
                {a.cves.length}
                <span class="phone-only"> {a.cves.length === 1 ? 'CVE' : 'CVEs'}</span>
              </td>
              <td class="adv-title">
                <div class="clamp">{a.title || <span class="muted">Untitled</span>}</div>
                {a.exploit && (
                  <div class="small">
                    <ExploitFacts exploit={a.exploit} />
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Advisories({ query: params }: { query: URLSearchParams }) {
  useTitle('Advisories');
  const filters = advisoryFiltersOf(params);
  const cursor = params.get('cursor');
  const key = urlOf(filters);
  const page = useAsync(
    (signal) => request<Page<AdvisorySummary>>(`/api/v1/advisories${qs({ ...query(filters), limit: PAGE_SIZE, cursor })}`, { signal }),
    [key, cursor],
  );
  const stack = cursorStacks.get(key) ?? [];
  const pageNo = stack.length + 1;

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

  const data = page.data;
  return (
    <div class="page" data-testid="advisories">
      <h1>Advisories &amp; exploits</h1>
      <AdvisoryFilterForm key={key} initial={filters} onApply={(f) => navigate(urlOf(f))} />
      <ErrorBox error={page.error} />
      {page.loading && !data && <Loading what="Searching" />}
      {data && (
        <>
          <p class="muted" aria-live="polite" data-testid="results-count">
            {data.total !== undefined ? `${fmtInt(data.total)} ${data.total === 1 ? 'advisory matches' : 'advisories match'}` : `${data.items.length} shown`}
            {data.items.length > 0 && (pageNo > 1 || data.nextCursor)
              ? ` · ${fmtInt((pageNo - 1) * PAGE_SIZE + 1)}–${fmtInt((pageNo - 1) * PAGE_SIZE + data.items.length)} shown (page ${pageNo})`
              : ''}
            {page.loading ? ' · updating…' : ''}
          </p>
          {data.items.length === 0 ? <p>No advisory matches these filters.</p> : <AdvisoryTable items={data.items} />}
          <nav class="pager" aria-label="Pages">
            <button type="button" class="btn" onClick={previous} disabled={!cursor}>
              ← Previous
            </button>
            <button type="button" class="btn" onClick={next} disabled={!data.nextCursor} data-testid="next-page">
              Next →
            </button>
          </nav>
        </>
      )}
    </div>
  );
}
