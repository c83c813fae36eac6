/**
 * One intel document (`GET /api/v1/intel/{id}`): title, source, the original's link, dates,
 * language, tags, the CVEs it names (linked to their pages), its main text, the other documents of
 * its story cluster (`GET /api/v1/intel?cluster=`) and its content history. The text comes from
 * the web and is rendered as text paragraphs only: no markup of it ever reaches the page.
 */

import { ExternalLink } from '../advisory/ui.tsx';
import { qs, request } from '../api.ts';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { fmtDate, fmtDateTime } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { IntelList } from '../intel/ui.tsx';
import { distinctIocs, documentAnalysisOf } from '../iocs/model.ts';
import type { DocumentAnalysis } from '../iocs/types.ts';
import { AnalysisChips, IocLink, ModelLine } from '../iocs/ui.tsx';
import { href, Link } from '../router.tsx';
import type { IntelPage, StoredIntelDocument } from '../types-intel.ts';

/** How many documents of the story the page lists. */
const STORY_LIMIT = 50;

/** The stored text's paragraphs (separated by a blank line). */
function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function Head({ d }: { d: StoredIntelDocument }) {
  return (
    <header class="cve-head">
      <h1 data-testid="intel-doc-title">{d.title || d.url}</h1>
      <p class="cve-meta">
        <span class="tag" data-testid="intel-doc-source">
          {d.source}
        </span>
        {d.language && (
          <span class="tag" title="Language of the text (ISO 639-1)">
            {d.language}
          </span>
        )}
        <span class="muted">
          {d.published ? `Published ${fmtDateTime(d.published)}` : 'No publication date'} · fetched {fmtDateTime(d.fetchedAt)}
          {d.firstSeen && d.firstSeen !== d.fetchedAt ? ` · first stored ${fmtDate(d.firstSeen)}` : ''}
          {d.author ? ` · by ${d.author}` : ''}
        </span>
      </p>
      {d.tags.length > 0 && (
        <ul class="chips" aria-label="Tags" data-testid="intel-doc-tags">
          {d.tags.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      )}
      <p class="small break">
        <ExternalLink url={d.url}>Original article ↗</ExternalLink> <span class="muted mono">{d.canonicalUrl}</span>
      </p>
    </header>
  );
}

/** The other documents of the story (near-duplicates of this one, from any source). */
function StoryPanel({ d }: { d: StoredIntelDocument }) {
  const story = useAsync(
    (signal) => (d.clusterSize > 1 ? request<IntelPage>(`/api/v1/intel${qs({ cluster: d.cluster, limit: STORY_LIMIT })}`, { signal }) : Promise.resolve(null)),
    [d.cluster, d.clusterSize],
  );
  const others = (story.data?.items ?? []).filter((x) => x.id !== d.id);
  return (
    <Panel title={`Same story (${Math.max(d.clusterSize - 1, 0)})`} id="intel-story">
      <ErrorBox error={story.error} />
      {d.clusterSize <= 1 ? (
        <p class="muted">No other document tells this story.</p>
      ) : story.loading && !story.data ? (
        <Loading />
      ) : (
        <>
          <IntelList items={others} testId="intel-story" />
          {d.clusterSize > STORY_LIMIT && (
            <p class="small more">
              <Link href={href('/intel', { cluster: d.cluster })}>All {d.clusterSize} documents</Link>
            </p>
          )}
        </>
      )}
    </Panel>
  );
}

/** How many distinct indicators the analysis panel lists before "and N more". */
const IOC_LIMIT = 30;

/**
 * The stored analysis of the document (`analysis` of the answer, issue 14): entities by type,
 * ATT&CK techniques and labels as chips, its indicators linked to their pages, and the model
 * versions that produced the labels. Nothing when the document has not been analysed.
 */
function AnalysisPanel({ a }: { a: DocumentAnalysis | null | undefined }) {
  if (!a) return null;
  const r = a.analysis;
  const iocs = distinctIocs(r.iocs)
    .map((x) => x.ioc)
    .filter((i) => i.type !== 'cve');
  return (
    <div class="span-2">
      <Panel title="Analysis" id="intel-analysis">
        <AnalysisChips r={r} />
        {iocs.length > 0 && (
          <div class="chip-row analysis-chips" data-testid="intel-doc-iocs">
            <span class="chip-kind">IOCs ({iocs.length})</span>
            <ul class="chips">
              {iocs.slice(0, IOC_LIMIT).map((i) => (
                <li key={`${i.type}-${i.value}`} class={i.warning ? 'muted' : ''} title={i.warning ? `on warninglist ${i.warning.name}` : i.type}>
                  <IocLink type={i.type} value={i.value} />
                </li>
              ))}
              {iocs.length > IOC_LIMIT && <li class="muted">+{iocs.length - IOC_LIMIT}</li>}
            </ul>
          </div>
        )}
        <ModelLine r={r} analysed={a.analysed || undefined} />
      </Panel>
    </div>
  );
}

function HistoryPanel({ d }: { d: StoredIntelDocument }) {
  return (
    <Panel title="History" id="intel-history">
      {d.history.length === 0 ? (
        <p class="muted">Stored once; the content has not changed since.</p>
      ) : (
        <ul class="plain compact" data-testid="intel-history">
          {d.history.map((h) => (
            <li key={`${h.at}-${h.contentHash}`}>
              <span class="nowrap">{fmtDateTime(h.at)}</span> <span class="tag">{h.kind}</span>{' '}
              {h.kind === 'changed' && h.title !== d.title ? <span>title then: “{h.title}” </span> : null}
              <code class="small muted" title={h.contentHash}>
                {h.contentHash.slice(0, 12)}
              </code>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

export function IntelDocumentPage({ id }: { id: string }) {
  const doc = useAsync((signal) => request<StoredIntelDocument>(`/api/v1/intel/${encodeURIComponent(id)}`, { signal }), [id]);
  const d = doc.data;
  useTitle(d?.title ?? id);
  const text = d ? paragraphs(d.text) : [];
  return (
    <div class="page" data-testid="intel-document">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href={href('/intel')}>Intel</Link> <span aria-hidden="true">›</span> <span aria-current="page">{d ? d.source : id}</span>
      </nav>
      <ErrorBox error={doc.error} />
      {!d && doc.loading && <Loading />}
      {d && (
        <>
          <Head d={d} />
          <div class="grid-2">
            <div class="span-2">
              <Panel title={`CVEs (${d.cves.length})`} id="intel-cves">
                {d.cves.length === 0 ? (
                  <p class="muted">This document names no CVE.</p>
                ) : (
                  <ul class="chips cve-chips" data-testid="intel-doc-cves">
                    {d.cves.map((c) => (
                      <li key={c}>
                        <Link href={href(`/cves/${c}`)} class="mono">
                          {c}
                        </Link>
                      </li>
                    ))}
                  </ul>
                )}
              </Panel>
            </div>
            <AnalysisPanel a={documentAnalysisOf(d)} />
            {/* Before the text, which may be long: the story and history are what an analyst checks first. */}
            <StoryPanel d={d} />
            <HistoryPanel d={d} />
            <div class="span-2">
              <Panel title="Text" id="intel-text">
                {text.length === 0 ? (
                  <p class="muted">No text was extracted.</p>
                ) : (
                  <div class="rich-text" data-testid="intel-doc-text">
                    {text.map((p, i) => (
                      <p key={i}>{p}</p>
                    ))}
                  </div>
                )}
              </Panel>
            </div>
          </div>
        </>
      )}
    </div>
  );
}
