/**
 * One analysis shown in full (the "Paste text to analyse" panel): the IOCs (each once, with the
 * defanged forms the text used and their warninglist), CVEs linked to their pages, entities and
 * techniques as chips, the techniques with their sentences, labels, the predicted severity (worded
 * as predicted, never as NVD's) and the model versions used.
 */
import { href, Link } from '../router.tsx';
import { distinctIocs, severityText, typeLabel } from './model.ts';
import type { AnalysisResult } from './types.ts';
import { AnalysisChips, IocLink, ModelLine, WarningTag } from './ui.tsx';

export function AnalysisView({ r }: { r: AnalysisResult }) {
  const rows = distinctIocs(r.iocs);
  const flagged = rows.filter((x) => x.ioc.warning).length;
  return (
    <div class="analysis" data-testid="analysis-result">
      <h3>
        IOCs ({rows.length}
        {flagged > 0 && `, ${flagged} on a warninglist`})
      </h3>
      {rows.length === 0 ? (
        <p class="muted">No indicator found.</p>
      ) : (
        <div class="table-wrap">
          <table class="advisories" data-testid="analysis-iocs">
            <caption class="sr-only">Indicators found in the text</caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Value</th>
                <th scope="col">As written</th>
                <th scope="col">Seen</th>
                <th scope="col">Warninglist</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ ioc, count, originals }) => (
                <tr key={`${ioc.type}-${ioc.value}`} data-testid="analysis-ioc">
                  <td class="nowrap">{typeLabel(ioc.type)}</td>
                  <td>
                    <IocLink type={ioc.type} value={ioc.value} />
                  </td>
                  <td class="mono small break">{originals.join(', ')}</td>
                  <td class="nowrap">{count > 1 ? `×${count}` : ''}</td>
                  <td>
                    <WarningTag warning={ioc.warning} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>CVEs ({r.cves.length})</h3>
      {r.cves.length === 0 ? (
        <p class="muted">No CVE named.</p>
      ) : (
        <ul class="chips cve-chips" data-testid="analysis-cves">
          {r.cves.map((c) => (
            <li key={c}>
              <Link href={href(`/cves/${c}`)} class="mono">
                {c}
              </Link>
            </li>
          ))}
        </ul>
      )}
      <h3>Entities, techniques and labels</h3>
      <AnalysisChips r={r} />
      {r.techniques.length > 0 && (
        <ul class="plain compact small" data-testid="analysis-techniques">
          {r.techniques.map((t) => (
            <li key={t.id}>
              <span class="mono">{t.id}</span> {t.name} ({t.score.toFixed(2)}): <span class="muted">“{t.sentence}”</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Severity</h3>
      <p data-testid="analysis-severity">{severityText(r.severity, r.models.missing)}</p>
      <ModelLine r={r} />
    </div>
  );
}
