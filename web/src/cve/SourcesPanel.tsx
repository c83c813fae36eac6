/**
 * The per-source view of a CVE: one tab per feed that contributed, with what it stated (its CVSS,
 * CWEs, affected products, CPEs) and which merged fields were taken from it (`provenance`).
 */
import { Panel } from '../components/ui.tsx';
import { Tabs } from '../components/Tabs.tsx';
import { fmtDateTime, fmtScore } from '../format.ts';
import type { VulnerabilityView } from '../types.ts';

const SOURCE_NAMES: Record<string, string> = { nvd: 'NVD', cve5: 'CVE 5 (CVE Program)', epss: 'FIRST EPSS', kev: 'CISA KEV' };

function SourceDetail({ v, source }: { v: VulnerabilityView; source: VulnerabilityView['sources'][number] }) {
  const fields = Object.entries(v.provenance)
    .filter(([, s]) => s === source.source)
    .map(([f]) => f);
  const cvss = v.cvss.filter((c) => c.source === source.source);
  const cwes = v.cwes.filter((c) => c.sources.includes(source.source));
  const affected = v.affected.filter((a) => a.source === source.source);
  const cpes = source.source === 'nvd' ? v.cpes.filter((c) => c.vulnerable).length : 0;
  return (
    <dl class="kv">
      <dt>Last modified</dt>
      <dd>{fmtDateTime(source.lastModified)}</dd>
      {source.vulnStatus && (
        <>
          <dt>Status</dt>
          <dd>{source.vulnStatus}</dd>
        </>
      )}
      <dt>Merged fields from it</dt>
      <dd>{fields.length ? fields.join(', ') : <span class="muted">none (another feed takes precedence)</span>}</dd>
      <dt>CVSS</dt>
      <dd>{cvss.length ? cvss.map((c) => `${c.version} ${fmtScore(c.baseScore)} (${c.scorer})`).join('; ') : <span class="muted">none</span>}</dd>
      <dt>CWEs</dt>
      <dd>{cwes.length ? cwes.map((c) => c.id).join(', ') : <span class="muted">none</span>}</dd>
      <dt>Affected entries</dt>
      <dd>
        {affected.length ? (
          affected.map((a) => `${a.vendor ?? ''} ${a.product ?? a.packageName ?? ''} (${a.provider})`).join('; ')
        ) : (
          <span class="muted">none</span>
        )}
      </dd>
      {source.source === 'nvd' && (
        <>
          <dt>Vulnerable CPEs</dt>
          <dd>{cpes}</dd>
        </>
      )}
    </dl>
  );
}

export function SourcesPanel({ v }: { v: VulnerabilityView }) {
  return (
    <Panel title="Sources" id="sources">
      {v.sources.length === 0 ? (
        <p class="muted">No record source yet (known only from EPSS or KEV).</p>
      ) : (
        <Tabs
          label="Per-source data"
          idPrefix="src"
          tabs={v.sources.map((s) => ({
            id: s.source,
            label: SOURCE_NAMES[s.source] ?? s.source,
            content: () => <SourceDetail v={v} source={s} />,
          }))}
        />
      )}
      <p class="muted small">
        Also joined: {v.epss ? 'FIRST EPSS' : 'no EPSS score'}, {v.kev ? 'CISA KEV' : 'not in KEV'}.
      </p>
    </Panel>
  );
}

export function HistoryPanel({ history }: { history: VulnerabilityView['history'] }) {
  const rows = [...history].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <Panel title="Change history" id="history">
      {rows.length === 0 ? (
        <p class="muted">No change recorded since Vigil first stored this CVE.</p>
      ) : (
        <div class="table-wrap scroll-y">
          <table data-testid="history-table">
            <caption class="sr-only">Changes of merged fields, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Field</th>
                <th scope="col">Old</th>
                <th scope="col">New</th>
                <th scope="col">Feed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((h, i) => (
                <tr key={i}>
                  <td class="nowrap">{fmtDateTime(h.at)}</td>
                  <td class="mono small">{h.field}</td>
                  <td class="break small">{h.old ?? <span class="muted">—</span>}</td>
                  <td class="break small">{h.new ?? <span class="muted">—</span>}</td>
                  <td>{h.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

export function ReferencesPanel({ references }: { references: VulnerabilityView['references'] }) {
  return (
    <Panel title="References" id="refs">
      {references.length === 0 ? (
        <p class="muted">No references.</p>
      ) : (
        <ul class="refs">
          {references.map((r) => (
            <li key={r.url}>
              <a href={r.url} target="_blank" rel="noopener noreferrer" class="break">
                {r.url}
              </a>
              {r.tags.map((t) => (
                <span key={t} class="tag">
                  {t}
                </span>
              ))}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
