/** CVE page panels: priority with its factors, EPSS history, KEV, SSVC and CWEs. */
import { useMemo } from 'preact/hooks';
import { Chart } from '../charts/Chart.tsx';
import { epssHistoryOption } from '../charts/options.ts';
import { Panel } from '../components/ui.tsx';
import { fmtDate, fmtDateTime, fmtPct, fmtPrio } from '../format.ts';
import type { VulnerabilityView } from '../types.ts';

const FACTOR_NAMES: Record<string, string> = {
  kev: 'CISA KEV',
  ransomware: 'Ransomware',
  exploit: 'Public exploit',
  epss: 'EPSS',
  cvss: 'CVSS',
  rejected: 'Rejected',
};

export function PriorityPanel({ priority }: { priority: VulnerabilityView['priority'] }) {
  return (
    <Panel title="Priority" id="priority">
      <p class="prio-big" data-testid="priority-score">
        <span class="prio prio-lg">{fmtPrio(priority.score)}</span> <span class="muted">of 100</span>
      </p>
      <ul class="factors">
        {priority.factors.map((f) => (
          <li key={f.name}>
            <span class={`contrib ${f.contribution > 0 ? 'pos' : f.contribution < 0 ? 'neg' : ''}`}>
              {f.contribution > 0 ? '+' : ''}
              {Number.isInteger(f.contribution) ? f.contribution : f.contribution.toFixed(1)}
            </span>
            <div>
              <strong>{FACTOR_NAMES[f.name] ?? f.name}</strong>
              <div class="small">{f.explanation}</div>
            </div>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

export function EpssPanel({ epss }: { epss: VulnerabilityView['epss'] }) {
  const option = useMemo(() => epssHistoryOption(epss?.history ?? []), [epss]);
  if (!epss) {
    return (
      <Panel title="EPSS" id="epss">
        <p class="muted">Not scored by EPSS.</p>
      </Panel>
    );
  }
  return (
    <Panel title="EPSS" id="epss">
      <p data-testid="epss-panel">
        <strong>{fmtPct(epss.score)}</strong> probability of exploitation activity in the next 30 days, percentile <strong>{fmtPct(epss.percentile)}</strong>{' '}
        <span class="muted">(scored {fmtDate(epss.date)})</span>
      </p>
      {epss.history.length > 1 ? (
        <Chart
          option={option}
          height={240}
          testId="epss-chart"
          label={`EPSS history from ${epss.history[0]?.date} to ${epss.history.at(-1)?.date}: ${epss.history.map((h) => `${h.date} ${fmtPct(h.score)}`).join(', ')}`}
        />
      ) : (
        <p class="muted small">One score stored so far: the history chart needs two.</p>
      )}
    </Panel>
  );
}

export function KevPanel({ kev }: { kev: VulnerabilityView['kev'] }) {
  return (
    <Panel title="CISA KEV" id="kev">
      {!kev ? (
        <p class="muted">Not in CISA's Known Exploited Vulnerabilities catalog.</p>
      ) : (
        <div data-testid="kev-panel">
          <p>
            <strong>{kev.vulnerabilityName}</strong>
          </p>
          <dl class="kv">
            <dt>Added</dt>
            <dd>{fmtDate(kev.dateAdded)}</dd>
            <dt>Due</dt>
            <dd>{fmtDate(kev.dueDate)}</dd>
            <dt>Ransomware</dt>
            <dd>{kev.knownRansomwareCampaignUse === 'Known' ? <span class="tag tag-kev">known ransomware use</span> : 'unknown'}</dd>
            <dt>Vendor / product</dt>
            <dd>
              {kev.vendorProject} {kev.product}
            </dd>
            <dt>Required action</dt>
            <dd>{kev.requiredAction}</dd>
            {kev.notes && (
              <>
                <dt>Notes</dt>
                <dd class="break">{kev.notes}</dd>
              </>
            )}
          </dl>
        </div>
      )}
    </Panel>
  );
}

const DECISION_CLASS: Record<string, string> = { Act: 'ssvc-act', Attend: 'ssvc-attend', 'Track*': 'ssvc-trackstar', Track: 'ssvc-track' };

export function SsvcPanel({ ssvc }: { ssvc: VulnerabilityView['ssvc'] }) {
  return (
    <Panel title="SSVC" id="ssvc">
      {!ssvc ? (
        <p class="muted">No CISA SSVC assessment (Vulnrichment) for this CVE.</p>
      ) : (
        <>
          <p>
            <span class={`ssvc ${DECISION_CLASS[ssvc.decision] ?? ''}`}>{ssvc.decision}</span>{' '}
            <span class="muted small">for {ssvc.missionWellbeing} mission & well-being impact</span>
          </p>
          <dl class="kv">
            <dt>Exploitation</dt>
            <dd>{ssvc.exploitation}</dd>
            <dt>Automatable</dt>
            <dd>{ssvc.automatable}</dd>
            <dt>Technical impact</dt>
            <dd>{ssvc.technicalImpact}</dd>
            {ssvc.timestamp && (
              <>
                <dt>Assessed</dt>
                <dd>
                  {fmtDateTime(ssvc.timestamp)}
                  {ssvc.version ? ` (SSVC ${ssvc.version})` : ''}
                </dd>
              </>
            )}
          </dl>
        </>
      )}
    </Panel>
  );
}

export function CwePanel({ cwes }: { cwes: VulnerabilityView['cwes'] }) {
  return (
    <Panel title="Weaknesses (CWE)" id="cwe">
      {cwes.length === 0 ? (
        <p class="muted">No CWE stated.</p>
      ) : (
        <ul class="plain">
          {cwes.map((c) => (
            <li key={c.id}>
              <a href={`https://cwe.mitre.org/data/definitions/${c.id.replace(/^CWE-/, '')}.html`} target="_blank" rel="noopener noreferrer" class="mono">
                {c.id}
              </a>{' '}
              {c.name ?? ''} {c.sources.length > 0 && <span class="muted small">({c.sources.join(', ')})</span>}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
