/**
 * Threat intel (`GET /api/v1/intel`): the latest documents collected from the analysts' sources
 * (news, vendor blogs, CERT bulletins), newest first, filtered by words, source, CVE, date or story
 * cluster and cursor-paged. The URL holds the whole query (`/ui/intel?cve=CVE-2025-53770`);
 * earlier pages' cursors are kept in memory for "Previous". Analysts reach the sources from here.
 */
import { qs, request } from '../api.ts';
import { ErrorBox, Loading, Notice } from '../components/ui.tsx';
import { fmtInt } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { IntelFilterForm, type IntelFilters, intelFiltersOf, intelQuery } from '../intel/IntelFilters.tsx';
import { ClusterBadge, CveChips, IntelDate, intelHref } from '../intel/ui.tsx';
import { href, Link, navigate } from '../router.tsx';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';
import type { IntelPage, IntelSourceList, IntelSummary } from '../types-intel.ts';

const PAGE_SIZE = 50;

/** Earlier pages' cursors per query (without the cursor), for "Previous". */
const cursorStacks = new Map<string, string[]>();

/** The dashboard URL of a query. */
function urlOf(f: IntelFilters, cursor?: string | null): string {
  return href('/intel', { ...intelQuery(f), cursor: cursor ?? null });
}

function IntelTable({ items }: { items: IntelSummary[] }) {
  return (
    <div class="table-wrap">
      <table class="advisories" data-testid="intel-table">
        <caption class="sr-only">Intel documents, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Source</th>
            <th scope="col">Published</th>
            <th scope="col">CVEs</th>
            <th scope="col">Story</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-testid="intel-row">
              <td class="adv-title">
                <Link href={intelHref(d.id)} data-testid="intel-title">
                  {d.title || d.url}
                </Link>
                {d.summary && <div class="clamp small muted">{d.summary}</div>}
              </td>
              <td class="nowrap adv-source">{d.source}</td>
              <td class="nowrap">
                <IntelDate d={d} />
              </td>
              <td>
                <CveChips cves={d.cves} max={4} />
              </td>
              <td class="nowrap">
                <ClusterBadge cluster={d.cluster} size={d.clusterSize} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Intel({ query: params, me }: { query: URLSearchParams; me: Me }) {
  useTitle('Threat intel');
  const filters = intelFiltersOf(params);
  const cursor = params.get('cursor');
  const key = urlOf(filters);
  const analyst = hasRole(me, 'analyst');
  const page = useAsync(
    (signal) =>
      request<IntelPage>(`/api/v1/intel${qs({ ...intelQuery(filters), limit: PAGE_SIZE, cursor })}`, { signal }),
    [key, cursor],
  );
  // Source names for the filter's suggestions: the sources list is for analysts; viewers type a name.
  const sources = useAsync(
    (signal) =>
      analyst ? request<IntelSourceList>('/api/v1/scraping/sources', { signal }) : Promise.resolve({ sources: [] }),
    [analyst],
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
  const first = (pageNo - 1) * PAGE_SIZE + 1;
  return (
    <div class="page" data-testid="intel">
      <div class="page-head">
        <h1>Threat intel</h1>
        {analyst && (
          <Link href={href('/intel/sources')} class="btn" data-testid="intel-sources-link">
            Sources
          </Link>
        )}
      </div>
      <IntelFilterForm
        key={key}
        initial={filters}
        sources={(sources.data?.sources ?? []).map((s) => s.name)}
        onApply={(f) => navigate(urlOf(f))}
      />
      {filters.cluster && (
        <Notice>
          Documents near-identical to <Link href={intelHref(filters.cluster)}>its first report</Link>.{' '}
          <Link href={urlOf({ ...filters, cluster: '' })}>Show every story</Link>
        </Notice>
      )}
      <ErrorBox error={page.error} />
      {page.loading && !data && <Loading what="Searching" />}
      {data && (
        <>
          <p class="muted" aria-live="polite" data-testid="results-count">
            {fmtInt(data.total)} {data.total === 1 ? 'document matches' : 'documents match'}
            {data.items.length > 0 && (pageNo > 1 || data.nextCursor)
              ? ` · ${fmtInt(first)}–${fmtInt(first + data.items.length - 1)} shown (page ${pageNo})`
              : ''}
            {page.loading ? ' · updating…' : ''}
          </p>
          {data.items.length === 0 ? (
            <p>
              No document matches these filters.
              {analyst && data.total === 0 && !key.includes('?') && (
                <>
                  {' '}
                  <Link href={href('/intel/sources')}>Add a source</Link> to start collecting.
                </>
              )}
            </p>
          ) : (
            <IntelTable items={data.items} />
          )}
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
