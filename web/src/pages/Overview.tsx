/**
 * The overview (`GET /stats`): headline counts, the top-priority list, and charts of severity,
 * vendors, CWEs (with their OWASP Top 10 category), CVEs per day and the day's EPSS movers. Live
 * `cve` events mark the figures stale and offer a reload.
 */
import { useMemo } from 'preact/hooks';
import { Chart } from '../charts/Chart.tsx';
import { horizontalBarOption, perDayOption, severityOption } from '../charts/options.ts';
import { ErrorBox, KevTag, Loading, Panel, SeverityBadge } from '../components/ui.tsx';
import { fmtDate, fmtDelta, fmtInt, fmtPct, fmtPrio } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { live } from '../live.ts';
import { takeStats } from '../prefetch.ts';
import { href, Link } from '../router.tsx';
import { useStore } from '../store.ts';
import { ExposureCard } from '../trends/Exposure.tsx';
import type { StatsResponse } from '../types-alerts.ts';

function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 864e5).toISOString().slice(0, 10);
}

function Cards({ stats }: { stats: StatsResponse }) {
  const cards = [
    { label: 'Published today', value: stats.newToday, link: href('/cves', { since: stats.today, sort: 'published' }) },
    { label: 'Published this week', value: stats.newThisWeek, link: href('/cves', { since: daysBefore(stats.today, 6), sort: 'published' }) },
    { label: 'Added to KEV this week', value: stats.kevAddedThisWeek, link: href('/cves', { kev: 1 }) },
    { label: `CVEs stored (${fmtInt(stats.totals.kev)} in KEV)`, value: stats.totals.cves, link: href('/cves') },
  ];
  return (
    <ul class="cards" data-testid="overview-cards">
      {cards.map((c) => (
        <li key={c.label} class="card">
          <Link href={c.link}>
            <span class="card-value">{fmtInt(c.value)}</span>
            <span class="card-label">{c.label}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function KevRecent({ rows }: { rows: StatsResponse['kevRecent'] }) {
  if (rows.length === 0) return <p class="muted">No KEV addition in the catalog stored.</p>;
  return (
    <ul class="plain kev-recent">
      {rows.slice(0, 8).map((k) => (
        <li key={k.cveId}>
          <span class="muted small nowrap">{fmtDate(k.dateAdded)}</span>{' '}
          <Link href={href(`/cves/${k.cveId}`)} class="mono">
            {k.cveId}
          </Link>{' '}
          <span class="small">{k.vulnerabilityName}</span>
        </li>
      ))}
    </ul>
  );
}

function TopPriority({ items }: { items: StatsResponse['topPriority'] }) {
  return (
    <ol class="toplist" data-testid="top-priority">
      {items.map((c) => (
        <li key={c.id}>
          <span class="prio" title="Priority score, 0–100">
            {fmtPrio(c.priority)}
          </span>
          <div>
            <Link href={href(`/cves/${c.id}`)} class="mono">
              {c.id}
            </Link>{' '}
            <SeverityBadge severity={c.severity} score={c.cvssScore} /> <KevTag kev={c.kev} ransomware={c.ransomware} />
            <div class="muted small clamp" title={c.snippet ?? undefined}>
              {c.title ?? c.vendors.join(', ')}
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}

function Movers({ rows }: { rows: StatsResponse['epssMovers'] }) {
  return (
    <div class="table-wrap">
      <table data-testid="epss-movers">
        <caption class="sr-only">EPSS movers: largest changes of exploitation probability on the latest EPSS day</caption>
        <thead>
          <tr>
            <th scope="col">CVE</th>
            <th scope="col" class="num">
              EPSS
            </th>
            <th scope="col" class="num">
              Before
            </th>
            <th scope="col" class="num">
              Change
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.cveId}>
              <td>
                <Link href={href(`/cves/${r.cveId}`)} class="mono">
                  {r.cveId}
                </Link>
              </td>
              <td class="num">{fmtPct(r.score)}</td>
              <td class="num">{fmtPct(r.previousScore)}</td>
              <td class={`num ${r.delta >= 0 ? 'up' : 'down'}`}>{fmtDelta(r.delta)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** ECharts tooltips are HTML: names from feeds are escaped. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function Charts({ stats }: { stats: StatsResponse }) {
  const sev = useMemo(() => severityOption(stats.severity ?? {}), [stats]);
  const vendors = useMemo(
    () =>
      horizontalBarOption(
        (stats.topVendors ?? []).map((v) => v.vendor),
        (stats.topVendors ?? []).map((v) => v.count),
        { colour: '#495057' },
      ),
    [stats],
  );
  const cwes = stats.cwes ?? [];
  const cweOpt = useMemo(
    () =>
      horizontalBarOption(
        cwes.map((c) => (c.owasp.length ? `${c.cwe} · ${c.owasp.map((o) => o.id).join(', ')}` : c.cwe)),
        cwes.map((c) => c.count),
        {
          colour: '#7048e8',
          tooltip: (i) => {
            const c = cwes[i]!;
            const owasp = c.owasp.length ? c.owasp.map((o) => `OWASP ${escapeHtml(o.id)} ${escapeHtml(o.title)}`).join('<br/>') : 'No OWASP Top 10 category';
            return `<b>${escapeHtml(c.cwe)}</b> ${escapeHtml(c.name ?? '')}<br/>${owasp}<br/>${c.count} CVEs`;
          },
        },
      ),
    [stats],
  );
  const perDay = useMemo(() => perDayOption(stats.perDay ?? []), [stats]);
  const sevText = Object.entries(stats.severity ?? {})
    .map(([k, n]) => `${n} ${k.toLowerCase()}`)
    .join(', ');
  return (
    <>
      <Panel title="Severity" id="sev">
        <Chart option={sev} label={`Severity distribution: ${sevText}`} testId="chart-severity" />
      </Panel>
      <Panel title="Top vendors" id="vendors">
        <Chart option={vendors} height={320} label={`Top vendors by CVE count: ${(stats.topVendors ?? []).map((v) => `${v.vendor} ${v.count}`).join(', ')}`} />
      </Panel>
      <Panel title="Weaknesses (CWE) and OWASP Top 10" id="cwes">
        <Chart
          option={cweOpt}
          height={Math.max(240, cwes.length * 26)}
          label={`CWE breakdown: ${cwes.map((c) => `${c.cwe} ${c.count}${c.owasp.length ? ` (OWASP ${c.owasp.map((o) => o.id).join(', ')})` : ''}`).join(', ')}`}
        />
      </Panel>
      <div class="span-2">
        <Panel title="CVEs published per day" id="perday">
          <Chart option={perDay} label={`CVEs published per day over ${(stats.perDay ?? []).length} days`} testId="chart-per-day" />
        </Panel>
      </div>
    </>
  );
}

export function Overview() {
  useTitle('Overview');
  const state = useStore(live);
  const stats = useAsync((signal) => {
    live.set((s) => ({ ...s, cveChanges: 0 }));
    return takeStats(signal);
  }, []);
  const s = stats.data;
  return (
    <div class="page" data-testid="overview">
      <div class="page-head">
        <h1>Overview</h1>
        {state.cveChanges > 0 && (
          <button type="button" class="btn btn-hint" onClick={stats.reload} data-testid="stale-hint">
            {state.cveChanges} new change{state.cveChanges === 1 ? '' : 's'}: refresh
          </button>
        )}
      </div>
      <ErrorBox error={stats.error} />
      {!s && stats.loading && <Loading />}
      {s && (
        <>
          <Cards stats={s} />
          <div class="grid-2">
            <Panel title="Top priority" id="top">
              <TopPriority items={s.topPriority ?? []} />
            </Panel>
            <Charts stats={s} />
            <Panel title={`EPSS movers${s.epssMovers[0] ? ` on ${s.epssMovers[0].date}` : ''}`} id="movers">
              <Movers rows={s.epssMovers ?? []} />
            </Panel>
            <Panel title="Recently added to KEV" id="kevrecent">
              <KevRecent rows={s.kevRecent ?? []} />
            </Panel>
            {s.perDay.length > 0 && (
              <div class="span-2">
                <Panel title="Threat exposure" id="exposure">
                  <ExposureCard since={s.perDay[0]!.date} until={s.perDay[s.perDay.length - 1]!.date} />
                </Panel>
              </div>
            )}
          </div>
        </>
      )}
    </div>
  );
}
