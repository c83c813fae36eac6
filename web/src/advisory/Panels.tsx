/** Panels of the advisory page: CVEs, affected products, exploit facts, links, revisions and history. */
import { Panel } from '../components/ui.tsx';
import { fmtDate, fmtDateTime, fmtScore } from '../format.ts';
import { href, Link } from '../router.tsx';
import type { AdvisoryReference, AdvisoryView } from '../types-advisories.ts';
import { affectedName, rangeIntervals, STATUS_LABELS } from './affected.ts';
import { ExternalLink } from './ui.tsx';

/** The CVEs the advisory names, each linked to its page; a CVE found only in the prose is marked. */
export function CvesPanel({ a }: { a: AdvisoryView }) {
  const cves = a.cveDetails ?? a.cves.map((id) => ({ id, origin: 'listed' as const }));
  const textOnly = cves.filter((c) => c.origin === 'text').length;
  return (
    <Panel title={`CVEs (${cves.length})`} id="adv-cves">
      {cves.length === 0 ? (
        <p class="muted">This document names no CVE.</p>
      ) : (
        <>
          <ul class="chips cve-chips" data-testid="advisory-cves">
            {cves.map((c) => (
              <li key={c.id}>
                <Link href={href(`/cves/${c.id}`)} class="mono">
                  {c.id}
                </Link>
                {c.origin === 'text' && (
                  <span class="tag tag-text" title="Found in the document's text, not in its CVE list">
                    text only
                  </span>
                )}
              </li>
            ))}
          </ul>
          {textOnly > 0 && (
            <p class="muted small">
              {textOnly} {textOnly === 1 ? 'CVE was' : 'CVEs were'} found in the text only (not in the document's own CVE list).
            </p>
          )}
        </>
      )}
    </Panel>
  );
}

/** Affected (and, for VEX, not affected) products or packages, with their version ranges. */
export function AffectedPanel({ a }: { a: AdvisoryView }) {
  const rows = a.affected ?? [];
  return (
    <Panel title={`Affected products (${rows.length})`} id="adv-affected">
      {rows.length === 0 ? (
        <p class="muted">No product stated.</p>
      ) : (
        <div class="table-wrap">
          <table class="fit-phone" data-testid="advisory-affected">
            <caption class="sr-only">Products and packages with their status and versions</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Product or package</th>
                <th scope="col">Versions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p, i) => {
                const { name, scope } = affectedName(p);
                const intervals = (p.ranges ?? []).flatMap((r) => rangeIntervals(r).map((t) => (r.type === 'GIT' ? `git ${t}` : t)));
                return (
                  <tr key={i}>
                    <td class="nowrap">
                      <span class={`status status-${p.status}`}>{STATUS_LABELS[p.status] ?? p.status}</span>
                    </td>
                    <td>
                      <strong class="break">{name}</strong>
                      {scope && <span class="tag">{scope}</span>}
                      {p.scada && <span class="tag tag-warn">SCADA</span>}
                      {p.purl && <div class="mono small muted break">{p.purl}</div>}
                      {p.cpes?.slice(0, 3).map((c) => (
                        <div key={c} class="mono small muted break">
                          {c}
                        </div>
                      ))}
                      {p.cves && p.cves.length > 0 && <div class="small muted">for {p.cves.join(', ')}</div>}
                    </td>
                    <td>
                      {intervals.length > 0 && (
                        <ul class="plain compact">
                          {intervals.map((t) => (
                            <li key={t} class="mono small">
                              {t}
                            </li>
                          ))}
                        </ul>
                      )}
                      {p.versions && p.versions.length > 0 && (
                        <div class="small break">
                          <span class="muted">Versions:</span> {p.versions.slice(0, 30).join(', ')}
                          {p.versions.length > 30 ? ` … (${p.versions.length})` : ''}
                        </div>
                      )}
                      {p.description && <div class="small">{p.description}</div>}
                      {intervals.length === 0 && !p.versions?.length && !p.description && <span class="muted">—</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

/** Exploit-DB facts of an exploit. */
export function ExploitPanel({ exploit }: { exploit: NonNullable<AdvisoryView['exploit']> }) {
  return (
    <Panel title="Exploit" id="adv-exploit">
      <dl class="kv" data-testid="exploit-facts">
        <dt>Verified</dt>
        <dd>{exploit.verified ? <span class="tag tag-verified">✓ verified by Exploit-DB</span> : 'not verified'}</dd>
        <dt>Type</dt>
        <dd>{exploit.type}</dd>
        <dt>Platform</dt>
        <dd>{exploit.platform}</dd>
        <dt>Author</dt>
        <dd>{exploit.author || '—'}</dd>
        {exploit.port !== undefined && (
          <>
            <dt>Port</dt>
            <dd>{exploit.port}</dd>
          </>
        )}
        {exploit.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>{exploit.tags.join(', ')}</dd>
          </>
        )}
        <dt>File</dt>
        <dd class="mono small break">{exploit.file}</dd>
      </dl>
    </Panel>
  );
}

/** Severity as stated, CVSS vectors, CWEs and aliases. */
export function ScoringPanel({ a }: { a: AdvisoryView }) {
  const cvss = a.cvss ?? [];
  const cwes = a.cwes ?? [];
  const aliases = a.aliases ?? [];
  return (
    <Panel title="Scoring and identifiers" id="adv-scoring">
      <dl class="kv">
        <dt>Severity</dt>
        <dd>{a.severity ? `${a.severity} (as the source words it)` : 'not stated'}</dd>
        {cvss.length > 0 && (
          <>
            <dt>CVSS</dt>
            <dd>
              {cvss.map((c) => (
                <div key={c.vector} class="break">
                  <span class="mono small">{c.vector}</span> {c.score !== null && <strong>{fmtScore(c.score)}</strong>}
                </div>
              ))}
            </dd>
          </>
        )}
        {cwes.length > 0 && (
          <>
            <dt>CWE</dt>
            <dd>
              {cwes.map((c, i) => (
                <span key={c}>
                  {i > 0 && ', '}
                  <ExternalLink url={`https://cwe.mitre.org/data/definitions/${c.replace(/^CWE-/, '')}.html`} class="mono">
                    {c}
                  </ExternalLink>
                </span>
              ))}
            </dd>
          </>
        )}
        {aliases.length > 0 && (
          <>
            <dt>Aliases</dt>
            <dd class="mono small break">{aliases.join(', ')}</dd>
          </>
        )}
      </dl>
    </Panel>
  );
}

/** A list of links (references, vendor advisories). */
export function LinksPanel({ title, id, links, empty }: { title: string; id: string; links: AdvisoryReference[]; empty: string }) {
  return (
    <Panel title={title} id={id}>
      {links.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul class="refs" data-testid={id}>
          {links.map((r, i) => (
            <li key={`${r.url}-${i}`}>
              <ExternalLink url={r.url} class="break">
                {r.title || r.url}
              </ExternalLink>
              {r.type && <span class="tag">{r.type}</span>}
              {r.published && <span class="muted small"> {fmtDate(r.published)}</span>}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** The document's own revisions and the changes Vigil stored. */
export function RevisionsPanel({ a }: { a: AdvisoryView }) {
  const revisions = [...(a.revisions ?? [])].sort((x, y) => y.date.localeCompare(x.date));
  const history = [...(a.history ?? [])].sort((x, y) => y.at.localeCompare(x.at));
  return (
    <Panel title="Revisions and history" id="adv-history">
      <h3>Revisions stated by the document</h3>
      {revisions.length === 0 ? (
        <p class="muted">None stated.</p>
      ) : (
        <ul class="plain compact" data-testid="advisory-revisions">
          {revisions.map((r, i) => (
            <li key={i}>
              <span class="nowrap">{fmtDate(r.date)}</span> — {r.description}
            </li>
          ))}
        </ul>
      )}
      <h3>Changes stored by Vigil</h3>
      {history.length === 0 ? (
        <p class="muted">No change since Vigil first stored it{a.firstSeen ? ` (${fmtDateTime(a.firstSeen)})` : ''}.</p>
      ) : (
        <div class="table-wrap scroll-y">
          <table data-testid="advisory-history">
            <caption class="sr-only">Changes of the stored advisory, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">Old</th>
                <th scope="col">New</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h, i) => (
                <tr key={i}>
                  <td class="nowrap">{fmtDateTime(h.at)}</td>
                  <td class="mono small">{h.field}</td>
                  <td class="break small">{h.old ?? <span class="muted">—</span>}</td>
                  <td class="break small">{h.new ?? <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
