/**
 * One indicator (`/ui/iocs/{type}/{value}`, `GET /api/v1/iocs/{type}/{value}`): first and last
 * seen, sources, CVEs, warninglist and TLP, its sightings per month (chart) and each sighting linked
 * to its intel document, and a VirusTotal panel that asks
 * `GET /api/v1/iocs/{type}/{value}/virustotal` only when the analyst clicks (the public API allows
 * 4 look-ups a minute), saying so plainly when look-ups are not configured.
 */
import { useMemo, useState } from 'preact/hooks';
import { ExternalLink } from '../advisory/ui.tsx';
import { ApiError, request } from '../api.ts';
import { Chart } from '../charts/Chart.tsx';
import { ErrorBox, Loading, Notice, Panel } from '../components/ui.tsx';
import { fmtDate, fmtDateTime, fmtInt } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { intelHref } from '../intel/ui.tsx';
import { iocApiPath, iocDetailOf, sightingsPerMonth, typeLabel, VT_LOOKUP_TYPES, vtSummary } from '../iocs/model.ts';
import type { IocDetail } from '../iocs/types.ts';
import { TlpTag, WarningTag } from '../iocs/ui.tsx';
import { href, Link } from '../router.tsx';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';

/** Why a VirusTotal look-up cannot be made, from the server's refusal; null for any other error. */
function notConfigured(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  if (err.code === 'VIGIL_CONFIG_INVALID' || /not configured|api ?key/i.test(err.message)) return err.message;
  if (err.statusCode === 404 && err.code === 'VIGIL_NOT_FOUND' && /route|virustotal/i.test(err.message)) return err.message;
  return null;
}

function VirusTotalPanel({ type, value }: { type: string; value: string }) {
  const [state, setState] = useState<{ busy: boolean; error: unknown; answer: unknown; asked: boolean }>({
    busy: false,
    error: null,
    answer: null,
    asked: false,
  });
  const summary = state.answer ? vtSummary(state.answer) : null;
  const why = notConfigured(state.error);
  async function look() {
    setState({ busy: true, error: null, answer: null, asked: true });
    try {
      const answer = await request<unknown>(`${iocApiPath(type, value)}/virustotal`);
      setState({ busy: false, error: null, answer, asked: true });
    } catch (error) {
      setState({ busy: false, error, answer: null, asked: true });
    }
  }
  return (
    <Panel title="VirusTotal" id="ioc-vt">
      <div data-testid="ioc-virustotal">
        {!state.asked && <p class="muted small">Looked up on request only: the public API allows 4 look-ups a minute. Results are cached.</p>}
        <button type="button" class="btn" onClick={look} disabled={state.busy} data-testid="vt-lookup">
          {state.asked ? 'Look up again' : 'Look up on VirusTotal'}
        </button>
        {state.busy && <Loading what="Asking VirusTotal" />}
        {why ? (
          <Notice kind="warn">
            <span class="break" data-testid="vt-not-configured">
              VirusTotal look-ups are not available on this server: {why}. An administrator sets <code>virustotal.apiKey</code>.
            </span>
          </Notice>
        ) : (
          <ErrorBox error={state.error} />
        )}
        {state.asked && !state.busy && !state.error && !summary && <p>VirusTotal does not know this indicator.</p>}
        {summary && (
          <dl class="kv" data-testid="vt-summary">
            <dt>Verdicts</dt>
            <dd>
              <strong class={summary.malicious > 0 ? 'danger' : ''}>{summary.malicious} malicious</strong>, {summary.suspicious} suspicious, {summary.harmless}{' '}
              harmless, {summary.undetected} undetected
            </dd>
            {summary.reputation !== null && (
              <>
                <dt>Reputation</dt>
                <dd>{summary.reputation}</dd>
              </>
            )}
            {summary.lastAnalysis && (
              <>
                <dt>Last analysis</dt>
                <dd>{fmtDateTime(summary.lastAnalysis)}</dd>
              </>
            )}
            {summary.fetched && (
              <>
                <dt>Asked</dt>
                <dd>
                  {fmtDateTime(summary.fetched)}
                  {summary.cached ? ' (from the cache)' : ''}
                </dd>
              </>
            )}
            {summary.tags.length > 0 && (
              <>
                <dt>Tags</dt>
                <dd>{summary.tags.join(', ')}</dd>
              </>
            )}
          </dl>
        )}
        {summary?.link && (
          <p class="small">
            <ExternalLink url={summary.link}>Open on virustotal.com ↗</ExternalLink>
          </p>
        )}
      </div>
    </Panel>
  );
}

function Sightings({ d }: { d: IocDetail }) {
  const perMonth = useMemo(() => sightingsPerMonth(d.sightings), [d.sightings]);
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' as const },
      xAxis: { type: 'category' as const, data: perMonth.map((m) => m[0]) },
      yAxis: { type: 'value' as const, minInterval: 1 },
      series: [{ type: 'bar' as const, data: perMonth.map((m) => m[1]), barMaxWidth: 28, name: 'sightings' }],
    }),
    [perMonth],
  );
  return (
    <>
      {perMonth.length > 1 && (
        <Panel title="Sightings per month" id="ioc-months">
          <Chart option={option} height={220} label={`Sightings per month: ${perMonth.map(([m, n]) => `${m} ${n}`).join(', ')}`} testId="chart-ioc-months" />
        </Panel>
      )}
      <div class="span-2">
        <Panel title={`Sightings (${fmtInt(d.ioc.sightings)})`} id="ioc-sightings">
          {d.sightings.length === 0 ? (
            <p class="muted">No sighting listed.</p>
          ) : (
            <div class="table-wrap">
              <table class="advisories" data-testid="ioc-sightings">
                <caption class="sr-only">Intel documents naming the indicator, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Seen</th>
                    <th scope="col">Document</th>
                    <th scope="col">Source</th>
                    <th scope="col">As written</th>
                    <th scope="col">TLP</th>
                  </tr>
                </thead>
                <tbody>
                  {d.sightings.map((s) => (
                    <tr key={s.documentId} data-testid="ioc-sighting">
                      <td class="nowrap">{fmtDate(s.seen)}</td>
                      <td>
                        <Link href={intelHref(s.documentId)}>{s.title || s.url || s.documentId}</Link>
                        {s.url && (
                          <span class="small">
                            {' '}
                            <ExternalLink url={s.url}>↗</ExternalLink>
                          </span>
                        )}
                      </td>
                      <td class="nowrap">{s.source}</td>
                      <td class="mono small break">{s.original}</td>
                      <td>
                        <TlpTag tlp={s.tlp} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Panel>
      </div>
    </>
  );
}

export function IocsDetail({ type, value, me }: { type: string; value: string; me: Me }) {
  useTitle(value);
  const res = useAsync((signal) => request<unknown>(iocApiPath(type, value), { signal }).then(iocDetailOf), [type, value]);
  const d = res.data;
  return (
    <div class="page" data-testid="ioc-detail">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href={href('/iocs')}>IOC analysis</Link> <span aria-hidden="true">›</span> <span aria-current="page">{typeLabel(type)}</span>
      </nav>
      <header class="cve-head">
        <h1 class="mono break" data-testid="ioc-value">
          {value}
        </h1>
        {d && (
          <p class="cve-meta">
            <span class="tag">{typeLabel(d.ioc.type)}</span> <WarningTag warning={d.ioc.warning} /> <TlpTag tlp={d.ioc.tlp} />{' '}
            <span class="muted">
              first seen {fmtDate(d.ioc.firstSeen)} · last seen {fmtDate(d.ioc.lastSeen)} · {fmtInt(d.ioc.sightings)}{' '}
              {d.ioc.sightings === 1 ? 'document' : 'documents'} · {d.ioc.sources.join(', ')}
            </span>
          </p>
        )}
        {d && d.ioc.cves.length > 0 && (
          <ul class="chips cve-chips" aria-label="CVEs named beside it">
            {d.ioc.cves.map((c) => (
              <li key={c}>
                <Link href={href(`/cves/${c}`)} class="mono">
                  {c}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </header>
      <ErrorBox error={res.error} />
      {!d && res.loading && <Loading />}
      <div class="grid-2">
        {d && <Sightings d={d} />}
        {/* VirusTotal look-ups spend the team's quota: analysts and administrators only (as the route). */}
        {VT_LOOKUP_TYPES.includes(type) && hasRole(me, 'analyst') && <VirusTotalPanel type={type} value={value} />}
      </div>
    </div>
  );
}
