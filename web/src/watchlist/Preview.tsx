/**
 * Live preview of a watchlist being edited: the stored CVEs its entries match now, and why
 * (`POST /api/v1/watchlists/preview`, debounced). Viewers, who may not preview, see a stored
 * watchlist's matches (`GET /api/v1/watchlists/{name}/matches`) instead.
 */
import { request } from '../api.ts';
import { ErrorBox, Loading, SeverityBadge } from '../components/ui.tsx';
import { fmtInt, fmtPrio } from '../format.ts';
import { useAsync, useDebounced } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { Entry, PreviewResponse } from '../types-alerts.ts';

const LIMIT = 25;

export function Preview({ entries, stored }: { entries: Entry[] | null; stored: string | null }) {
  const body = useDebounced(JSON.stringify(entries ?? []), 400);
  const preview = useAsync(
    (signal) => {
      if (entries === null) {
        return stored
          ? request<PreviewResponse>(`/api/v1/watchlists/${encodeURIComponent(stored)}/matches?limit=${LIMIT}`, { signal })
          : Promise.resolve({ total: 0, items: [] });
      }
      const list = JSON.parse(body) as Entry[];
      if (list.length === 0) return Promise.resolve<PreviewResponse>({ total: 0, items: [] });
      return request<PreviewResponse>('/api/v1/watchlists/preview', { body: { entries: list, limit: LIMIT }, signal });
    },
    [body, stored, entries === null],
  );
  const data = preview.data;
  return (
    <section class="panel preview" aria-labelledby="preview-h" data-testid="preview">
      <header class="panel-head">
        <h2 id="preview-h">{entries === null ? 'Matches' : 'Live preview'}</h2>
        {preview.loading && <span class="muted small">updating…</span>}
      </header>
      <ErrorBox error={preview.error} />
      {!data && preview.loading && <Loading what="Matching" />}
      {data && (
        <>
          <p aria-live="polite" data-testid="preview-total">
            <strong>{fmtInt(data.total)}</strong> stored CVE{data.total === 1 ? '' : 's'} match{data.total === 1 ? 'es' : ''}
            {data.total > data.items.length ? ` (top ${data.items.length} by priority shown)` : ''}.
            {data.skipped ? <span class="muted small"> {fmtInt(data.skipped)} more candidates were not examined: narrow the entries.</span> : null}
          </p>
          <ul class="preview-list" data-testid="preview-results">
            {data.items.map((m) => (
              <li key={m.cveId} data-testid="preview-item" class={m.passes === false ? 'dim' : undefined}>
                <div>
                  <Link href={href(`/cves/${m.cveId}`)} class="mono">
                    {m.cveId}
                  </Link>{' '}
                  <SeverityBadge severity={m.severity} />{' '}
                  <span class="prio" title="Priority">
                    {fmtPrio(m.priority)}
                  </span>
                  {m.passes === false && (
                    <span class="tag tag-warn" title="Matches an entry but not its thresholds: it would not alert">
                      below thresholds
                    </span>
                  )}
                </div>
                {m.title && <div class="small clamp">{m.title}</div>}
                <ul class="reasons small">
                  {m.reasons.slice(0, 3).map((r, i) => (
                    <li key={i}>
                      <code>{r.entry}</code> matched {r.field} <q>{r.matched}</q>
                      {r.version ? ` (${r.version})` : ''} <span class="muted">via {r.via}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
