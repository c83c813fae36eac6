/**
 * Small pieces of the threat-intel pages: CVE chips, the story-cluster badge, a document's date and
 * the compact document list used by the CVE page's "In the news" panel and the document page's
 * story panel. Titles and summaries come from upstream and are rendered as text only.
 */
import { fmtDate } from '../format.ts';
import { href, Link } from '../router.tsx';
import type { IntelSummary } from '../types-intel.ts';

/** The dashboard URL of one document. */
export function intelHref(id: string): string {
  return href(`/intel/${encodeURIComponent(id)}`);
}

/** The CVEs a document names, each linked to its page; at most `max` shown, then "+N". */
export function CveChips({ cves, max = 6 }: { cves: string[]; max?: number }) {
  if (cves.length === 0) return null;
  const shown = cves.slice(0, max);
  return (
    <ul class="chips cve-chips" data-testid="intel-cves">
      {shown.map((id) => (
        <li key={id}>
          <Link href={href(`/cves/${id}`)} class="mono">
            {id}
          </Link>
        </li>
      ))}
      {cves.length > max && (
        <li class="muted" title={cves.slice(max).join(', ')}>
          +{cves.length - max}
        </li>
      )}
    </ul>
  );
}

/**
 * "N sources": the document's story cluster (near-duplicates found by SimHash) when it holds more
 * than this document, linked to the list of the cluster's documents.
 */
export function ClusterBadge({ cluster, size }: { cluster: string; size: number }) {
  if (size <= 1) return null;
  return (
    <Link
      href={href('/intel', { cluster })}
      class="tag"
      title={`${size} documents tell this story: show them all`}
      data-testid="cluster-badge"
    >
      {size} sources
    </Link>
  );
}

/** When a document was published, else when it was fetched (marked as such). */
export function IntelDate({ d }: { d: Pick<IntelSummary, 'published' | 'fetchedAt'> }) {
  if (d.published) return <span title={d.published}>{fmtDate(d.published)}</span>;
  return (
    <span class="muted" title={`The source gives no date; fetched ${d.fetchedAt}`}>
      {fmtDate(d.fetchedAt)} (fetched)
    </span>
  );
}

/** Documents as a compact list: title (to its page), source and date, CVEs, cluster badge. */
export function IntelList({ items, testId }: { items: IntelSummary[]; testId?: string }) {
  return (
    <ul class="adv-list" data-testid={testId}>
      {items.map((d) => (
        <li key={d.id} data-testid="intel-item">
          <Link href={intelHref(d.id)}>{d.title || d.url}</Link>
          <div class="small muted">
            {d.source} · <IntelDate d={d} />
            {d.cves.length > 0 ? ` · ${d.cves.slice(0, 5).join(', ')}${d.cves.length > 5 ? ', …' : ''}` : ''}
          </div>
          <span>
            <ClusterBadge cluster={d.cluster} size={d.clusterSize} />
          </span>
        </li>
      ))}
    </ul>
  );
}
