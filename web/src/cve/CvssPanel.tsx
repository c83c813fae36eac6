/** Every CVSS assessment of a CVE, and the primary vector's metrics spelled out. */
import { Panel, SeverityBadge } from '../components/ui.tsx';
import { fmtScore } from '../format.ts';
import type { ScoredCvss } from '../types.ts';
import { breakdown } from './cvss.ts';

function isPrimary(c: ScoredCvss, primary: ScoredCvss | null): boolean {
  return primary !== null && c.vector === primary.vector && c.scorer === primary.scorer && c.source === primary.source;
}

export function CvssPanel({ cvss, primary }: { cvss: ScoredCvss[]; primary: ScoredCvss | null }) {
  const metrics = primary ? breakdown(primary.vector, primary.version) : [];
  return (
    <Panel title="Severity and CVSS" id="cvss">
      {cvss.length === 0 ? (
        <p class="muted">No CVSS assessment yet.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="cvss-table">
            <caption class="sr-only">CVSS assessments from every feed</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col">Severity</th>
                <th scope="col">Scorer</th>
                <th scope="col">Feed</th>
                <th scope="col">Vector</th>
              </tr>
            </thead>
            <tbody>
              {cvss.map((c) => (
                <tr key={`${c.source}-${c.scorer}-${c.vector}`} class={isPrimary(c, primary) ? 'primary-row' : undefined}>
                  <td class="nowrap">
                    {c.version}
                    {isPrimary(c, primary) && <span class="tag">primary</span>}
                  </td>
                  <td class="num">
                    {fmtScore(c.baseScore)}
                    {c.statedScore !== null && c.statedScore !== c.baseScore && (
                      <span class="muted small" title="The score the feed stated differs from the score computed from the vector">
                        {' '}
                        (stated {fmtScore(c.statedScore)})
                      </span>
                    )}
                  </td>
                  <td>
                    <SeverityBadge severity={c.baseSeverity} />
                  </td>
                  <td>
                    {c.scorer}
                    {c.type ? <span class="muted small"> · {c.type}</span> : null}
                  </td>
                  <td>{c.source}</td>
                  <td class="mono small break">{c.vector}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {primary && metrics.length > 0 && (
        <>
          <h3>
            Primary vector: CVSS {primary.version} by {primary.scorer}
          </h3>
          <dl class="metrics" data-testid="cvss-breakdown">
            {metrics.map((m) => (
              <div key={m.key} class={`metric lvl-${m.level ?? 'x'}`}>
                <dt>
                  {m.name} <span class="mono muted">({m.key})</span>
                </dt>
                <dd>{m.valueName}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </Panel>
  );
}
