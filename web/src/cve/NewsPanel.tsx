/**
 * The CVE page's "In the news" panel: the latest intel documents naming the CVE
 * (`GET /api/v1/intel?cve=ID&limit=10`), each linked to its page. A CVE no document names, or a
 * failed call (the intel store not set up, an older server), shows no panel at all: the news are
 * an addition to the page, never a blank or an error on it.
 */
import { qs, request } from '../api.ts';
import { Panel } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { IntelList } from '../intel/ui.tsx';
import { href, Link } from '../router.tsx';
import type { IntelPage } from '../types-intel.ts';

/** Documents the panel lists. */
const LIMIT = 10;

export function NewsPanel({ cveId }: { cveId: string }) {
  const news = useAsync(
    (signal) => request<IntelPage>(`/api/v1/intel${qs({ cve: cveId, limit: LIMIT })}`, { signal }),
    [cveId],
  );
  const page = news.data;
  if (news.error || !page || page.items.length === 0) return null;
  return (
    <div class="span-2" data-testid="cve-news">
      <Panel title={`In the news (${page.total})`} id="cve-news">
        <IntelList items={page.items} />
        {page.total > page.items.length && (
          <p class="small more">
            <Link href={href('/intel', { cve: cveId })}>All {page.total} documents</Link>
          </p>
        )}
      </Panel>
    </div>
  );
}
