/**
 * One alert (`GET /api/v1/alerts/{id}`): the CVE as it stood, why the alert fired, triage
 * (acknowledge, status, assignee), comments and delivery attempts.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox, KevTag, Loading, SeverityBadge } from '../components/ui.tsx';
import { fmtDate, fmtDateTime, fmtPct, fmtPrio } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import type { AlertItem } from '../types-alerts.ts';
import { Comments, Deliveries } from './AlertExtras.tsx';
import { TriageControls } from './TriageControls.tsx';

/**
 * An alert's subject is a CVE id, or an advisory id (an intel document id, `intel-…`) when an
 * advisory (intel) alert is not about a single CVE (docs/alerts.md).
 */
const isCve = (id: string) => /^CVE-\d{4}-\d+$/i.test(id);
const isDocument = (id: string) => /^intel-[0-9a-f]{20}$/.test(id);

function subjectPage(id: string): string {
  if (isCve(id)) return `/cves/${id}`;
  return isDocument(id) ? `/intel/${id}` : `/advisories/${encodeURIComponent(id)}`;
}

function Facts({ a }: { a: AlertItem }) {
  const f = a.facts;
  return (
    <dl class="kv">
      <dt>{isCve(f.cveId) ? 'CVE' : isDocument(f.cveId) ? 'Document' : 'Advisory'}</dt>
      <dd>
        <Link href={href(subjectPage(f.cveId))} class="mono">
          {f.cveId}
        </Link>{' '}
        {f.title}
      </dd>
      <dt>Severity</dt>
      <dd>
        <SeverityBadge severity={f.severity} score={f.cvss?.score ?? null} /> <KevTag kev={f.kev !== null} ransomware={f.kev?.ransomware} />
        {f.cvss && <div class="mono small break">{f.cvss.vector}</div>}
      </dd>
      <dt>EPSS</dt>
      <dd>{f.epss ? `${fmtPct(f.epss.score)} (percentile ${fmtPct(f.epss.percentile)}, ${fmtDate(f.epss.date)})` : '—'}</dd>
      {f.kev && (
        <>
          <dt>KEV</dt>
          <dd>
            added {fmtDate(f.kev.dateAdded)}
            {f.kev.dueDate ? `, due ${fmtDate(f.kev.dueDate)}` : ''}
          </dd>
        </>
      )}
      <dt>SSVC</dt>
      <dd>{f.ssvc ?? '—'}</dd>
      <dt>Priority</dt>
      <dd>
        <span class="prio">{fmtPrio(f.priority)}</span>
      </dd>
      {f.products.length > 0 && (
        <>
          <dt>Products</dt>
          <dd>{f.products.join('; ')}</dd>
        </>
      )}
      {f.description && (
        <>
          <dt>Description</dt>
          <dd class="small">{f.description}</dd>
        </>
      )}
    </dl>
  );
}

function Explanation({ a }: { a: AlertItem }) {
  const x = a.explanation;
  return (
    <>
      <p>
        <span class="tag">{x.event.type}</span> {x.event.summary}
        {x.provisional && (
          <span class="tag tag-warn" title="Matched before NVD's CPE analysis">
            provisional
          </span>
        )}
        {x.fallback && <span class="tag">fallback to administrator</span>}
      </p>
      {x.event.changes && x.event.changes.length > 0 && (
        <ul class="plain small">
          {x.event.changes.map((c, i) => (
            <li key={i}>
              <code>{c.field}</code>: {c.old ?? '—'} → {c.new ?? '—'} <span class="muted">({c.source})</span>
            </li>
          ))}
        </ul>
      )}
      {x.matches.length > 0 && (
        <>
          <h3>Matched</h3>
          <ul class="plain small">
            {x.matches.map((m, i) => (
              <li key={i}>
                <code>{m.entry}</code> matched {m.field} <q>{m.matched}</q>
                {m.version ? ` (${m.version})` : ''} <span class="muted">via {m.via}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {x.thresholds.length > 0 && (
        <>
          <h3>Thresholds</h3>
          <ul class="plain small">
            {x.thresholds.map((t) => (
              <li key={t.name}>
                <span aria-hidden="true">{t.passed ? '✓' : '✗'}</span> {t.name}: needs {String(t.required)}, was {t.actual === null ? '—' : String(t.actual)}
                <span class="sr-only">{t.passed ? ' (passed)' : ' (failed)'}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export function AlertDetail({ id, canWrite, onChanged }: { id: number; canWrite: boolean; onChanged: () => void }) {
  const alert = useAsync((signal) => request<AlertItem>(`/api/v1/alerts/${id}`, { signal }), [id]);
  const [heading, setHeading] = useState<HTMLHeadingElement | null>(null);
  useEffect(() => heading?.focus(), [heading, id]);
  const a = alert.data;
  function updated(next: AlertItem) {
    alert.setData({ ...a, ...next, comments: next.comments ?? a?.comments, deliveries: next.deliveries ?? a?.deliveries });
    onChanged();
  }
  return (
    <section class="panel alert-detail" aria-labelledby="alert-h" data-testid="alert-detail">
      <ErrorBox error={alert.error} />
      {!a && alert.loading && <Loading />}
      {a && (
        <>
          <header class="panel-head">
            <h2 id="alert-h" tabIndex={-1} ref={setHeading}>
              Alert #{a.id}: {a.cveId}
            </h2>
            <span class={`triage triage-${a.triage ?? 'new'}`} data-testid="alert-triage">
              {a.triage ?? 'new'}
            </span>
          </header>
          <p class="muted small">
            {fmtDateTime(a.createdAt)} · watchlist {a.watchlist ?? '(fallback)'} · {a.channel} ({a.mode}) · delivery {a.status}
            {a.acknowledgedBy ? ` · acknowledged by ${a.acknowledgedBy} ${fmtDateTime(a.acknowledgedAt)}` : ''}
          </p>
          <TriageControls alert={a} canWrite={canWrite} onUpdated={updated} />
          <h3>Why it fired</h3>
          <Explanation a={a} />
          <h3>The CVE when alerted</h3>
          <Facts a={a} />
          <Comments alert={a} canWrite={canWrite} onAdded={(c) => alert.setData({ ...a, comments: [...(a.comments ?? []), c] })} />
          <Deliveries deliveries={a.deliveries ?? []} />
        </>
      )}
    </section>
  );
}
