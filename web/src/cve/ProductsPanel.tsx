/**
 * Affected products: the vendor/product pairs (those the CNA/ADP list only as unaffected apart,
 * marked "not affected"), NVD's CPE ranges and the CNA/ADP `affected` data.
 */
import { affectedStatus } from '../../../src/analysis/affected.ts';
import { Panel } from '../components/ui.tsx';
import type { AffectedProduct, AffectedVersion, CpeApplicability, VulnerabilityView } from '../types.ts';

/** `>= 10.2.0, < 10.2.9` from a CPE match's bounds, or its exact version. */
export function cpeRange(c: CpeApplicability): string {
  const parts: string[] = [];
  if (c.versionStartIncluding) parts.push(`≥ ${c.versionStartIncluding}`);
  if (c.versionStartExcluding) parts.push(`> ${c.versionStartExcluding}`);
  if (c.versionEndIncluding) parts.push(`≤ ${c.versionEndIncluding}`);
  if (c.versionEndExcluding) parts.push(`< ${c.versionEndExcluding}`);
  if (parts.length) return parts.join(', ');
  return c.version === '*' ? 'any version' : c.version === '-' ? 'n/a' : c.version;
}

function versionText(v: AffectedVersion): string {
  if (v.lessThan) return `${v.version === '0' ? '' : `${v.version} ≤ `}v < ${v.lessThan}`;
  if (v.lessThanOrEqual) return `${v.version === '0' ? '' : `${v.version} ≤ `}v ≤ ${v.lessThanOrEqual}`;
  return v.version;
}

function AffectedList({ affected }: { affected: AffectedProduct[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">Affected products stated by the CNA and ADPs</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Versions</th>
            <th scope="col">Stated by</th>
          </tr>
        </thead>
        <tbody>
          {affected.map((a, i) => (
            <tr key={`${a.provider}-${i}`} class={affectedStatus(a) === 'unaffected' ? 'muted' : undefined}>
              <td>
                {a.vendor} {a.product ?? a.packageName}
                {affectedStatus(a) === 'unaffected' && <span class="small"> (not affected)</span>}
              </td>
              <td>
                {a.versions.length === 0 ? (
                  <span class="muted">default: {a.defaultStatus ?? 'unknown'}</span>
                ) : (
                  <ul class="plain compact">
                    {a.versions.slice(0, 12).map((v, j) => (
                      <li key={j} class={v.status === 'affected' ? '' : 'muted'}>
                        {versionText(v)} <span class="small">({v.status})</span>
                      </li>
                    ))}
                    {a.versions.length > 12 && <li class="muted small">…and {a.versions.length - 12} more</li>}
                  </ul>
                )}
              </td>
              <td class="nowrap">
                {/* A KEV-only CVE's entry comes from the catalog, not a record feed (store/sqlite/known.ts). */}
                {a.provider} <span class="muted small">({a.provider === 'CISA-KEV' ? 'KEV catalog' : a.source})</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ProductsPanel({ v }: { v: VulnerabilityView }) {
  const vulnerable = v.cpes.filter((c) => c.vulnerable);
  const platforms = v.cpes.filter((c) => !c.vulnerable);
  const unaffected = v.unaffectedProducts ?? [];
  return (
    <Panel title="Affected products" id="products">
      {v.products.length > 0 && (
        <ul class="chips" aria-label="Affected products">
          {v.products.map((p) => (
            <li key={`${p.vendor}/${p.product}`}>
              {p.vendor} <strong>{p.product}</strong>
            </li>
          ))}
        </ul>
      )}
      {unaffected.length > 0 && (
        <ul class="chips muted" aria-label="Products listed as not affected" data-testid="unaffected-products">
          {unaffected.map((p) => (
            <li key={`${p.vendor}/${p.product}`}>
              <s>
                {p.vendor} {p.product}
              </s>{' '}
              <span class="small">not affected</span>
            </li>
          ))}
        </ul>
      )}
      {vulnerable.length > 0 && (
        <>
          <h3>CPE ranges (NVD)</h3>
          <div class="table-wrap">
            <table data-testid="cpe-table">
              <caption class="sr-only">Vulnerable CPE configurations from NVD</caption>
              <thead>
                <tr>
                  <th scope="col">Vendor</th>
                  <th scope="col">Product</th>
                  <th scope="col">Versions</th>
                  <th scope="col">CPE</th>
                </tr>
              </thead>
              <tbody>
                {vulnerable.slice(0, 100).map((c, i) => (
                  <tr key={`${c.criteria}-${i}`}>
                    <td>{c.vendor}</td>
                    <td>{c.product}</td>
                    <td class="nowrap">{cpeRange(c)}</td>
                    <td class="mono small break">{c.criteria}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {vulnerable.length > 100 && <p class="muted small">Showing 100 of {vulnerable.length} CPE matches.</p>}
          {platforms.length > 0 && <p class="muted small">Plus {platforms.length} platform CPE(s) the vulnerable ones run on.</p>}
        </>
      )}
      {v.affected.length > 0 && (
        <>
          <h3>Affected (CVE record)</h3>
          <AffectedList affected={v.affected} />
        </>
      )}
      {v.products.length === 0 && unaffected.length === 0 && v.cpes.length === 0 && v.affected.length === 0 && <p class="muted">No product data yet.</p>}
    </Panel>
  );
}
