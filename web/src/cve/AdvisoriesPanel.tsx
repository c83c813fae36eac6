/**
 * The CVE page's "Advisories & exploits" panel (the CVE view's `advisories` and `exploits`, each
 * linked to its advisory page) and the sources' disagreements (`conflicts`, shown under the page's
 * heading where they cannot be missed).
 */
import { useState } from 'preact/hooks';
import { ExploitFacts, KindTag, sourceName } from '../advisory/ui.tsx';
import { Panel } from '../components/ui.tsx';
import { fmtDate } from '../format.ts';
import { href, Link } from '../router.tsx';
import type { CveView } from '../types-advisories.ts';

const CONFLICT_LABELS: Record<string, string> = { severity: 'Severity', vex: 'VEX status' };

/** The sources' disagreements about a CVE, as a warning; nothing when they agree. */
export function ConflictsNotice({ v }: { v: CveView }) {
  const conflicts = v.conflicts;
  if (!conflicts || conflicts.length === 0) return null;
  // `sources` names advisories by id (and scorers by name): the advisories get a link.
  const linked = new Set([...(v.advisories ?? []), ...(v.exploits ?? [])].map((a) => a.id));
  return (
    <div class="notice notice-warn conflicts" role="note" data-testid="cve-conflicts">
      <strong>Sources disagree</strong>
      <ul class="plain compact">
        {conflicts.map((c, i) => (
          <li key={i} data-testid="cve-conflict">
            <span class="tag tag-warn">{CONFLICT_LABELS[c.kind] ?? c.kind}</span> {c.detail}
            {c.sources
              .filter((id) => linked.has(id))
              .map((id) => (
                <span key={id} class="small">
                  {' '}
                  <Link href={href(`/advisories/${encodeURIComponent(id)}`)}>see {id}</Link>
                </span>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** How many advisories and exploits the panel shows before "Show all". */
const SHOWN = 10;

/** "Show all N" under a cut list, and the advisory list filtered on the CVE. */
function More({ total, open, onOpen, listHref }: { total: number; open: boolean; onOpen: () => void; listHref: string }) {
  return (
    <p class="small more">
      {total > SHOWN && !open && (
        <button type="button" class="btn btn-quiet" onClick={onOpen}>
          Show all {total}
        </button>
      )}{' '}
      <Link href={listHref}>Open in the advisory list</Link>
    </p>
  );
}

export function AdvisoriesPanel({ v }: { v: CveView }) {
  const [all, setAll] = useState(false);
  const advisories = [...(v.advisories ?? [])].sort((a, b) => (b.published ?? '').localeCompare(a.published ?? ''));
  const exploits = [...(v.exploits ?? [])].sort((a, b) => (b.published ?? '').localeCompare(a.published ?? ''));
  return (
    <Panel title="Advisories & exploits" id="advisories">
      <div data-testid="cve-advisories">
        <div class="adv-cols">
          <div>
            <h3>Advisories ({advisories.length})</h3>
            {advisories.length === 0 ? (
              <p class="muted">No stored advisory or bulletin names this CVE.</p>
            ) : (
              <ul class="adv-list" data-testid="cve-advisory-list">
                {(all ? advisories : advisories.slice(0, SHOWN)).map((a) => (
                  <li key={a.id} data-testid="cve-advisory">
                    <div>
                      <Link href={href(`/advisories/${encodeURIComponent(a.id)}`)} class="mono">
                        {a.id}
                      </Link>
                      <KindTag kind={a.kind} />
                      <span class="muted small"> {sourceName(a.source)}</span>
                    </div>
                    <div class="small clamp">{a.title}</div>
                    <span class="muted small nowrap">{fmtDate(a.published)}</span>
                  </li>
                ))}
              </ul>
            )}
            {advisories.length > 0 && <More total={advisories.length} open={all} onOpen={() => setAll(true)} listHref={href('/advisories', { cve: v.id })} />}
          </div>
          <div>
            <h3>Public exploits ({exploits.length})</h3>
            {exploits.length === 0 ? (
              <p class="muted">No public exploit stored for this CVE.</p>
            ) : (
              <ul class="adv-list" data-testid="cve-exploit-list">
                {(all ? exploits : exploits.slice(0, SHOWN)).map((x) => (
                  <li key={x.id} data-testid="cve-exploit">
                    <div>
                      <Link href={href(`/advisories/${encodeURIComponent(x.id)}`)} class="mono">
                        {x.id}
                      </Link>
                      <span class="muted small"> {sourceName(x.source)}</span>
                    </div>
                    <div class="small">
                      <ExploitFacts exploit={x} />
                    </div>
                    <span class="muted small nowrap">{fmtDate(x.published)}</span>
                  </li>
                ))}
              </ul>
            )}
            {exploits.length > 0 && (
              <More total={exploits.length} open={all} onOpen={() => setAll(true)} listHref={href('/advisories', { cve: v.id, kind: 'exploit' })} />
            )}
          </div>
        </div>
      </div>
    </Panel>
  );
}
