/**
 * Small pieces of the IOC pages: an indicator's link, its warninglist and TLP tags, the chips of
 * an analysis (entities by type, ATT&CK techniques, labels; used on intel documents) and the model
 * line saying which model versions produced them. Text from documents is rendered as text only.
 */
import './iocs.css';
import { fmtDateTime } from '../format.ts';
import { href, Link } from '../router.tsx';
import { entityGroups, iocPath, modelNames, severityText } from './model.ts';
import type { AnalysisResult, WarninglistHit } from './types.ts';

/** The dashboard URL of one indicator. */
export function iocHref(type: string, value: string): string {
  return href(iocPath(type, value));
}

/** An indicator's value linked to its page (monospace, broken anywhere: hashes and URLs are long). */
export function IocLink({ type, value }: { type: string; value: string }) {
  return (
    <Link href={iocHref(type, value)} class="mono break" data-testid="ioc-link">
      {value}
    </Link>
  );
}

/** "on warninglist …": the indicator may be a false positive (kept, flagged; the list says why). */
export function WarningTag({ warning }: { warning: WarninglistHit | null | undefined }) {
  if (!warning) return null;
  return (
    <span class="tag tag-warn" title={`On the MISP warninglist "${warning.name}" (${warning.list}): a possible false positive`} data-testid="ioc-warning">
      on warninglist {warning.name}
    </span>
  );
}

/** FIRST TLP 2.0 label as a tag (`TLP:CLEAR`). */
export function TlpTag({ tlp }: { tlp: string }) {
  return <span class={`tag tlp tlp-${tlp.replace('+', '-')}`}>TLP:{tlp.toUpperCase()}</span>;
}

/** Which model versions produced an analysis, and which parts had no model. */
export function ModelLine({ r, analysed }: { r: Pick<AnalysisResult, 'models'>; analysed?: string }) {
  const used = modelNames(r);
  return (
    <p class="small muted" data-testid="analysis-models">
      {used.length ? `Labels by ${used.join(', ')}` : 'No trained model was used'}
      {r.models.missing.length > 0 && ` · not trained: ${r.models.missing.join(', ')} (vigil nlp train)`}
      {analysed && ` · analysed ${fmtDateTime(analysed)}`}
    </p>
  );
}

/** Entities by type, ATT&CK techniques and labels of an analysis as chips; nothing when it found none. */
export function AnalysisChips({ r }: { r: AnalysisResult }) {
  const groups = entityGroups(r.entities);
  const labels = r.classification.labels;
  if (!groups.length && !r.techniques.length && !labels.length && !r.severity) return <p class="muted">No entity, technique or label found.</p>;
  return (
    <div class="analysis-chips" data-testid="analysis-chips">
      {groups.map(([type, chips]) => (
        <div class="chip-row" key={type}>
          <span class="chip-kind">{type}</span>
          <ul class="chips" aria-label={`Entities: ${type}`}>
            {chips.map((c) => (
              <li
                key={`${c.text}-${c.source}`}
                class={`entity entity-${c.source}`}
                title={c.source === 'gazetteer' ? `gazetteer match${c.id ? ` ${c.id}` : ''}` : 'found by the trained tagger'}
                data-testid="entity-chip"
              >
                {c.text}
                {c.id && <span class="muted mono"> {c.id}</span>}
                {c.count > 1 && <span class="muted"> ×{c.count}</span>}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {r.techniques.length > 0 && (
        <div class="chip-row">
          <span class="chip-kind">ATT&amp;CK</span>
          <ul class="chips" aria-label="ATT&CK techniques">
            {r.techniques.map((t) => (
              <li key={t.id} title={`${t.name} (score ${t.score.toFixed(2)}): “${t.sentence}”`} data-testid="technique-chip">
                <span class="mono">{t.id}</span> {t.name} <span class="muted">{t.score.toFixed(2)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {labels.length > 0 && (
        <div class="chip-row">
          <span class="chip-kind">labels</span>
          <ul class="chips" aria-label="Labels">
            {labels.map((l) => (
              <li key={`${l.scheme}-${l.label}`} title={`${l.scheme} label, probability ${l.probability.toFixed(2)}`} data-testid="label-chip">
                {l.label} <span class="muted">{l.probability.toFixed(2)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {r.severity && (
        <p class="small" data-testid="predicted-severity">
          Severity {severityText(r.severity, r.models.missing).replace(/^P/, 'p')}
        </p>
      )}
    </div>
  );
}
