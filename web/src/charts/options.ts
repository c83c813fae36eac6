/** ECharts options for the overview and CVE page, built from API data. Pure functions. */
import type { StatsResponse } from '../types-alerts.ts';
import { PALETTE, SEVERITY_COLOURS } from './colours.ts';
import type { ChartOption } from './echarts.ts';

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'];

/** Bars of CVEs per severity, in severity order and colours. */
export function severityOption(counts: StatsResponse['severity']): ChartOption {
  const rank = (s: string) => (SEVERITY_ORDER.includes(s) ? SEVERITY_ORDER.indexOf(s) : SEVERITY_ORDER.length);
  const rows = Object.entries(counts)
    .map(([severity, count]) => ({ severity, count }))
    .sort((a, b) => rank(a.severity) - rank(b.severity));
  return {
    grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    // Every label shown whole (none skipped or cut on a phone: "Unknown" fits 6 bars in 360 px at 10 px).
    xAxis: {
      type: 'category',
      data: rows.map((r) => r.severity),
      axisTick: { show: false },
      axisLabel: { interval: 0, fontSize: 10, hideOverlap: false, formatter: (s: string) => s.charAt(0) + s.slice(1).toLowerCase() },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: 'CVEs',
        barMaxWidth: 56,
        label: { show: true, position: 'top' },
        data: rows.map((r) => ({ value: r.count, itemStyle: { color: SEVERITY_COLOURS[r.severity] ?? SEVERITY_COLOURS.UNKNOWN } })),
      },
    ],
  };
}

/** Horizontal bars, largest on top. `names` are the category labels. */
export function horizontalBarOption(names: string[], values: number[], opts: { colour?: string; tooltip?: (i: number) => string } = {}): ChartOption {
  const n = names.slice().reverse();
  const v = values.slice().reverse();
  return {
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: opts.tooltip
        ? (params: unknown) => {
            const p = (Array.isArray(params) ? params[0] : params) as { dataIndex: number };
            return opts.tooltip!(names.length - 1 - p.dataIndex);
          }
        : undefined,
    },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: n, axisLabel: { width: 190, overflow: 'truncate' } },
    series: [{ type: 'bar', data: v, itemStyle: { color: opts.colour ?? PALETTE[0] }, label: { show: true, position: 'right' }, barMaxWidth: 22 }],
  };
}

/** CVEs published per day (the server sends 90 days). */
export function perDayOption(rows: StatsResponse['perDay']): ChartOption {
  return {
    grid: { left: 8, right: 16, top: 16, bottom: 24, containLabel: true },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: rows.map((r) => r.date), boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'line',
        name: 'CVEs published',
        data: rows.map((r) => r.count),
        showSymbol: rows.length < 40,
        areaStyle: { opacity: 0.12 },
        itemStyle: { color: PALETTE[0] },
      },
    ],
  };
}

/** EPSS score and percentile history of one CVE (both 0–1, shown as %). */
export function epssHistoryOption(history: { date: string; score: number; percentile: number }[]): ChartOption {
  const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`;
  return {
    grid: { left: 8, right: 16, top: 36, bottom: 24, containLabel: true },
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? pct(v) : String(v)),
    },
    xAxis: { type: 'category', data: history.map((h) => h.date), boundaryGap: false },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: [
      { type: 'line', name: 'EPSS score', data: history.map((h) => h.score), step: 'end', itemStyle: { color: '#d9480f' }, showSymbol: history.length < 30 },
      {
        type: 'line',
        name: 'Percentile',
        data: history.map((h) => h.percentile),
        step: 'end',
        itemStyle: { color: PALETTE[0] },
        lineStyle: { type: 'dashed' },
        showSymbol: history.length < 30,
      },
    ],
  };
}
