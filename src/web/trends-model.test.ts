/**
 * The Trends page's pure parts (web/src/trends/model.ts, options.ts, CveExportMenu's query): the
 * URL state survives a round trip and rejects what it cannot read, scopes come from watchlists and
 * their teams, the API queries carry the scope, a chart click names its series and bucket, the
 * breakout triangles sit on top of their stacks, and the CVE export takes the list's filters.
 */
import { describe, expect, it } from 'vitest';
import {
  bucketLabel,
  cveExportQuery,
  DEFAULT_HALF_LIFE,
  DEFAULT_TOP,
  exposureApiQuery,
  fmtP,
  memberPath,
  membersApiQuery,
  scopeOptions,
  trendsApiQuery,
  trendsQuery,
  trendsStateOf,
} from '../../web/src/trends/model.ts';
import { legendName, OTHER, targetOf, trendOption } from '../../web/src/trends/options.ts';
import type { TrendResult } from '../../web/src/types-trends.ts';

/** A dashboard query as the page puts it in the URL (empty values left out, as `href` does). */
function urlQuery(q: Record<string, string | number | null>): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== null && v !== '') p.set(k, String(v));
  return p;
}

describe('Trends URL state', () => {
  it('reads defaults from an empty query and leaves them out of the URL', () => {
    const s = trendsStateOf(new URLSearchParams());
    expect(s).toEqual({ by: 'vendor', interval: 'week', since: '', until: '', top: DEFAULT_TOP, scope: 'all', halfLife: DEFAULT_HALF_LIFE, open: null });
    expect(urlQuery(trendsQuery(s)).toString()).toBe('');
  });

  it('round-trips every field', () => {
    const s = trendsStateOf(
      new URLSearchParams('by=cwe&interval=month&since=2024-01-01&until=2025-05-19&top=7&scope=watchlist:edge&halfLife=14&key=CWE-79&bucket=2025-01-01'),
    );
    expect(s).toEqual({
      by: 'cwe',
      interval: 'month',
      since: '2024-01-01',
      until: '2025-05-19',
      top: 7,
      scope: 'watchlist:edge',
      halfLife: 14,
      open: { key: 'CWE-79', bucket: '2025-01-01' },
    });
    expect(trendsStateOf(urlQuery(trendsQuery(s)))).toEqual(s);
  });

  it('drops what it cannot read', () => {
    const s = trendsStateOf(new URLSearchParams('by=colour&interval=year&since=yesterday&top=500&scope=everything&halfLife=-3&key=x'));
    expect(s).toMatchObject({ by: 'vendor', interval: 'week', since: '', top: DEFAULT_TOP, scope: 'all', halfLife: DEFAULT_HALF_LIFE, open: null });
  });

  it('sends the scope to every API query, and none for everything', () => {
    const s = trendsStateOf(new URLSearchParams('scope=team:secops&by=kev'));
    expect(trendsApiQuery(s)).toMatchObject({ by: 'kev', scope: 'team:secops' });
    expect(membersApiQuery(s, { key: 'microsoft', bucket: '2025-01-06' })).toMatchObject({ key: 'microsoft', bucket: '2025-01-06', scope: 'team:secops' });
    expect(exposureApiQuery(s)).toMatchObject({ scope: 'team:secops', halfLife: DEFAULT_HALF_LIFE });
    expect(trendsApiQuery(trendsStateOf(new URLSearchParams())).scope).toBeNull();
  });
});

describe('scopes, links and labels', () => {
  it('offers everything, each watchlist and each owning team once', () => {
    const lists = [
      { name: 'edge', owner: { team: 'secops' } },
      { name: 'browsers', owner: { user: 'ana' } },
      { name: 'vpn', owner: { team: 'secops' } },
      { name: 'db', owner: { team: 'dba' } },
    ];
    expect(scopeOptions(lists).map((o) => o.value)).toEqual([
      'all',
      'watchlist:edge',
      'watchlist:browsers',
      'watchlist:vpn',
      'watchlist:db',
      'team:dba',
      'team:secops',
    ]);
  });

  it('links each kind of member to its page', () => {
    expect(memberPath({ kind: 'cve', id: 'CVE-2024-3400' })).toBe('/cves/CVE-2024-3400');
    expect(memberPath({ kind: 'advisory', id: 'GHSA-x/y' })).toBe('/advisories/GHSA-x%2Fy');
    expect(memberPath({ kind: 'intel', id: '42' })).toBe('/intel/42');
  });

  it('names buckets and p-values', () => {
    expect(bucketLabel('2025-01-06', 'week')).toBe('week of 2025-01-06');
    expect(bucketLabel('2025-01-01', 'month')).toBe('2025-01');
    expect(fmtP(0.0123)).toBe('p = 0.012');
    expect(fmtP(1e-9)).toBe('p < 1e-6');
  });

  it('cuts long legend names but keeps the total', () => {
    expect(legendName('Microsoft', 1234)).toBe('Microsoft (1,234)');
    const long = legendName("CWE-79 Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", 5);
    expect(long.endsWith('… (5)')).toBe(true);
    expect(long.length).toBeLessThanOrEqual(32 + ' (5)'.length);
  });
});

describe('trend chart option', () => {
  const result: TrendResult = {
    by: 'vendor',
    interval: 'week',
    since: '2025-01-06',
    until: '2025-01-26',
    buckets: ['2025-01-06', '2025-01-13', '2025-01-20'],
    series: [
      { key: 'microsoft', label: 'Microsoft', counts: [1, 9, 2], total: 12, breakouts: [{ bucket: '2025-01-13', count: 9, baseline: 1, pValue: 1e-5 }] },
      { key: 'linux', label: 'Linux', counts: [3, 4, 0], total: 7, breakouts: [{ bucket: '2025-01-13', count: 4, baseline: 0.5, pValue: 0.001 }] },
    ],
    other: [5, 0, 1],
  };
  const option = trendOption(result);
  const series = option.series as { name: string; stack: string; data: unknown[]; markPoint?: { data: { coord: [number, number] }[] } }[];

  it('stacks one series per key, then Other', () => {
    expect(series.map((s) => s.name)).toEqual(['Microsoft', 'Linux', OTHER]);
    expect(new Set(series.map((s) => s.stack)).size).toBe(1);
  });

  it('puts each breakout triangle on top of the stack so far', () => {
    expect(series[0]!.markPoint!.data.map((d) => d.coord)).toEqual([[1, 9]]);
    expect(series[1]!.markPoint!.data.map((d) => d.coord)).toEqual([[1, 13]]);
    expect(series[2]!.markPoint).toBeUndefined();
  });

  it('maps a click on a bar or a triangle to its series and bucket, and Other to nothing', () => {
    expect(targetOf(result, { componentType: 'series', seriesIndex: 1, dataIndex: 2 })).toEqual({ key: 'linux', bucket: '2025-01-20' });
    expect(targetOf(result, { componentType: 'markPoint', seriesIndex: 0, data: { coord: [1, 9] } })).toEqual({ key: 'microsoft', bucket: '2025-01-13' });
    expect(targetOf(result, { componentType: 'series', seriesIndex: 2, dataIndex: 0 })).toBeNull();
  });
});

describe('CVE export query', () => {
  it('sends the list filters as GET /api/v1/cves takes them (EPSS from percent to 0–1)', () => {
    const q = cveExportQuery({
      q: ' pan-os ',
      kev: true,
      exploit: false,
      minCvss: '9',
      minEpss: '12.5',
      vendor: '',
      since: '2024-01-01',
      rejected: false,
    });
    expect(q).toEqual({ q: 'pan-os', kev: 'true', exploit: null, minCvss: '9', minEpss: '0.125', vendor: '', since: '2024-01-01', includeRejected: null });
  });
});
