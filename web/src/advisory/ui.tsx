/** Small pieces of the advisory pages: source and kind tags, worded severity, exploit facts, safe links. */
import type { ComponentChildren } from 'preact';
import { ADVISORY_SOURCES, type AdvisoryKind, KIND_LABELS } from '../types-advisories.ts';
import { safeUrl } from './url.ts';

/** A link to another site (new tab, no referrer), or the plain text of a URL that is not http(s). */
export function ExternalLink({ url, children, class: cls }: { url: string; children?: ComponentChildren; class?: string }) {
  const safe = safeUrl(url);
  if (!safe) return <span class={cls}>{children ?? url}</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer" class={cls}>
      {children ?? url}
    </a>
  );
}

/** A source's display name (`certfr` → `CERT-FR`). */
export function sourceName(source: string): string {
  return ADVISORY_SOURCES[source] ?? source;
}

/** The kind as a tag; exploits stand out. */
export function KindTag({ kind }: { kind: AdvisoryKind }) {
  return <span class={`tag kind-${kind}`}>{KIND_LABELS[kind] ?? kind}</span>;
}

/** The normalised class of a source's severity word (`MODERATE`, `Important`, `Élevé` …). */
export function severityClass(word: string): string {
  const w = word.toLowerCase();
  if (w.startsWith('crit')) return 'sev-critical';
  if (w.startsWith('high') || w.startsWith('import') || w.startsWith('élev') || w.startsWith('elev')) return 'sev-high';
  if (w.startsWith('moder') || w.startsWith('medium') || w.startsWith('moy')) return 'sev-medium';
  if (w.startsWith('low') || w.startsWith('faible')) return 'sev-low';
  return 'sev-none';
}

/** The severity as the source words it, coloured by its normalised level; nothing when unstated. */
export function AdvisorySeverity({ severity }: { severity: string | null | undefined }) {
  if (!severity) return <span class="muted">—</span>;
  return <span class={`sev ${severityClass(severity)}`}>{severity}</span>;
}

/** Exploit-DB facts in one line: a verified mark, type and platform. */
export function ExploitFacts({ exploit }: { exploit: { verified: boolean; type: string; platform: string } }) {
  return (
    <span class="exploit-facts">
      {exploit.verified ? (
        <span class="tag tag-verified" title="Exploit-DB verified that the exploit works">
          ✓ verified
        </span>
      ) : (
        <span class="tag" title="Not verified by Exploit-DB">
          unverified
        </span>
      )}
      <span class="tag">{exploit.type}</span>
      <span class="tag">{exploit.platform}</span>
    </span>
  );
}

/** A marker for CVEs with public exploits (`count` of them); nothing for none. */
export function ExploitTag({ count }: { count: number | undefined }) {
  if (!count) return null;
  return (
    <span class="tag tag-exploit" title={`${count} public ${count === 1 ? 'exploit' : 'exploits'} (Exploit-DB)`} data-testid="exploit-tag">
      exploit{count > 1 ? ` ×${count}` : ''}
    </span>
  );
}
