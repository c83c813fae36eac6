/**
 * IOC analysis (`/ui/iocs`): the indicators found in stored intel documents (`GET /api/v1/iocs`,
 * last seen newest first, filtered by value, type, source, date and warninglist flag; "More" reads
 * the next page), a chart of their types, exports of the same selection (CSV, STIX 2.1, MISP), and
 * a panel to analyse pasted text (`POST /api/v1/analysis/text`). The URL holds the filters.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { qs, request } from '../api.ts';
import { Chart } from '../charts/Chart.tsx';
import { horizontalBarOption } from '../charts/options.ts';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { fmtDate, fmtInt } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { download } from '../iocs/export.ts';
import { IocFilterForm } from '../iocs/IocFilters.tsx';
import { countBy, type IocFilters, iocFiltersOf, iocQuery, typeLabel } from '../iocs/model.ts';
import { PastePanel } from '../iocs/PastePanel.tsx';
import type { IocListPage, StoredIoc } from '../iocs/types.ts';
import { IocLink, TlpTag, WarningTag } from '../iocs/ui.tsx';
import { href, navigate } from '../router.tsx';

const PAGE_SIZE = 50;

function urlOf(f: IocFilters): string {
  return href('/iocs', iocQuery(f));
}

function IocTable({ items }: { items: StoredIoc[] }) {
  return (
    <div class="table-wrap">
      <table class="advisories" data-testid="ioc-table">
        <caption class="sr-only">Indicators, last seen newest first</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Value</th>
            <th scope="col">Sightings</th>
            <th scope="col">Last seen</th>
            <th scope="col">Sources</th>
            <th scope="col">CVEs</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={`${i.type}-${i.value}`} data-testid="ioc-row">
              <td class="nowrap">{typeLabel(i.type)}</td>
              <td class="ioc-value">
                <IocLink type={i.type} value={i.value} />
              </td>
              <td class="num">{fmtInt(i.sightings)}</td>
              <td class="nowrap" title={`first seen ${fmtDate(i.firstSeen)}`}>
                {fmtDate(i.lastSeen)}
              </td>
              <td class="small">{i.sources.join(', ')}</td>
              <td class="small mono">
                {i.cves.slice(0, 3).join(' ')}
                {i.cves.length > 3 ? ` +${i.cves.length - 3}` : ''}
              </td>
              <td>
                <WarningTag warning={i.warning} /> {i.tlp !== 'clear' && <TlpTag tlp={i.tlp} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Export buttons: the same selection as CSV (IOC store), a STIX 2.1 bundle and a MISP event. */
function Exports({ f }: { f: IocFilters }) {
  const [error, setError] = useState<unknown>(null);
  const query = qs(iocQuery(f));
  const since = qs({ since: f.since });
  const files: [label: string, path: string, name: string][] = [
    ['CSV', `/api/v1/iocs/export.csv${query}`, 'vigil-iocs.csv'],
    ['STIX 2.1', `/api/v1/export/stix${since}`, 'vigil-stix.json'],
    ['MISP', `/api/v1/export/misp${since}`, 'vigil-misp.json'],
  ];
  return (
    <div class="exports" data-testid="ioc-exports">
      <span class="muted small">Export:</span>{' '}
      {files.map(([label, path, name]) => (
        <button
          key={label}
          type="button"
          class="btn btn-quiet"
          data-href={path}
          onClick={() => {
            setError(null);
            download(path, name).catch(setError);
          }}
        >
          {label}
        </button>
      ))}
      <ErrorBox error={error} />
    </div>
  );
}

export function Iocs({ query: params }: { query: URLSearchParams }) {
  useTitle('IOC analysis');
  const filters = iocFiltersOf(params);
  const key = urlOf(filters);
  const [cursor, setCursor] = useState<string | null>(null);
  const [items, setItems] = useState<StoredIoc[]>([]);
  useEffect(() => {
    setCursor(null);
    setItems([]);
  }, [key]);
  const page = useAsync((signal) => request<IocListPage>(`/api/v1/iocs${qs({ ...iocQuery(filters), limit: PAGE_SIZE, cursor })}`, { signal }), [key, cursor]);
  useEffect(() => {
    if (page.data) setItems((old) => (cursor ? [...old, ...page.data!.items] : page.data!.items));
  }, [page.data]);
  const byType = useMemo(() => countBy(items, (i) => typeLabel(i.type)), [items]);
  const chart = useMemo(
    () =>
      horizontalBarOption(
        byType.map((t) => t[0]),
        byType.map((t) => t[1]),
      ),
    [byType],
  );
  const data = page.data;
  return (
    <div class="page" data-testid="iocs">
      <div class="page-head">
        <h1>IOC analysis</h1>
      </div>
      <div class="grid-2">
        <div class="span-2">
          <PastePanel />
        </div>
        <div class="span-2">
          <Panel title="Types of the indicators shown" id="ioc-types">
            {byType.length === 0 ? (
              <p class="muted">Nothing to chart yet.</p>
            ) : (
              <>
                <Chart
                  option={chart}
                  height={Math.max(160, byType.length * 28)}
                  label={`Indicators by type: ${byType.map(([t, n]) => `${t} ${n}`).join(', ')}`}
                  testId="chart-ioc-types"
                />
                <p class="small muted">Of the {fmtInt(items.length)} indicators listed below.</p>
              </>
            )}
          </Panel>
        </div>
        <div class="span-2">
          <Panel title="Indicators seen in intel documents" id="ioc-list" actions={<Exports f={filters} />}>
            <IocFilterForm key={key} initial={filters} onApply={(f) => navigate(urlOf(f))} />
            <ErrorBox error={page.error} />
            {page.loading && !items.length && <Loading what="Searching" />}
            {data && (
              <p class="muted" aria-live="polite" data-testid="results-count">
                {data.total !== undefined ? `${fmtInt(data.total)} ${data.total === 1 ? 'indicator matches' : 'indicators match'} · ` : ''}
                {fmtInt(items.length)} shown{page.loading ? ' · loading…' : ''}
              </p>
            )}
            {data && items.length === 0 && !page.loading && <p>No indicator matches. Indicators come from analysed intel documents.</p>}
            {items.length > 0 && <IocTable items={items} />}
            {data?.nextCursor && (
              <p>
                <button type="button" class="btn" disabled={page.loading} onClick={() => setCursor(data.nextCursor)} data-testid="more">
                  More
                </button>
              </p>
            )}
          </Panel>
        </div>
      </div>
    </div>
  );
}
