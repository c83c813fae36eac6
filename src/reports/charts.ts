/**
 * The report's charts as SVG strings, rendered on the server by Apache ECharts' SSR mode
 * (https://echarts.apache.org/handbook/en/how-to/cross-platform/server/: `init(null, null,
 * { renderer: 'svg', ssr: true, width, height })`, `setOption`, `renderToSVGString()`, `dispose()`),
 * without a DOM or a browser. Animation is off (a still picture). Each SVG gets `role="img"` and an
 * `aria-label` saying what it shows; the data are also in tables beside it (html.ts), since some
 * mail clients drop inline SVG (docs/reports.md).
 */
import * as echarts from 'echarts';
import type { ReportDay, ReportExposure, ReportMover, SeverityBucket } from './types.ts';

/** A rendered chart: a file name for the attachment, what it shows, and the SVG. */
export interface ReportChart {
  /** `new-cves.svg`, `exposure.svg`, `epss-movers.svg`. */
  file: string;
  /** One sentence for people (the `aria-label`, the attachment's description). */
  label: string;
  svg: string;
}

/** Colours of the severity stacks (the dashboard's). */
export const SEVERITY_COLOURS: Record<SeverityBucket, string> = {
  CRITICAL: '#8b0000',
  HIGH: '#d9534f',
  MEDIUM: '#f0ad4e',
  LOW: '#5bc0de',
  NONE: '#bbbbbb',
  UNKNOWN: '#dddddd',
};

const WIDTH = 640;
const HEIGHT = 260;
const TEXT = { fontFamily: 'Helvetica, Arial, sans-serif', color: '#333' };

/** Renders one option to an SVG string; the chart is disposed even when rendering throws. */
function render(option: echarts.EChartsCoreOption, label: string, width = WIDTH, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: TEXT, backgroundColor: '#ffffff', ...option });
    const svg = chart.renderToSVGString();
    const aria = label.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return svg.replace(/^<svg /, `<svg role="img" aria-label="${aria}" `);
  } finally {
    chart.dispose();
  }
}

/** New CVEs per day of the period, stacked by severity (oldest day on the left). */
export function newCvesChart(days: readonly ReportDay[]): ReportChart {
  const present = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'] as const).filter((s) => days.some((d) => d.counts[s] > 0));
  const label = `New CVEs per day by severity, ${days[0]?.date ?? ''} to ${days.at(-1)?.date ?? ''}`;
  const svg = render(
    {
      title: { text: 'New CVEs per day', left: 8, top: 4, textStyle: { fontSize: 14, ...TEXT } },
      legend: { top: 6, right: 8, textStyle: { fontSize: 11 } },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: days.map((d) => d.date.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: present.map((s) => ({
        name: s,
        type: 'bar',
        stack: 'severity',
        itemStyle: { color: SEVERITY_COLOURS[s] },
        data: days.map((d) => d.counts[s]),
      })),
    },
    label,
  );
  return { file: 'new-cves.svg', label, svg };
}

/** The exposure index over the chart window (E_t and its open series), the report period shaded. */
export function exposureChart(exposure: ReportExposure, period: { start: string; end: string }): ReportChart {
  const dates = exposure.series.map((p) => p.date);
  const first = dates.find((d) => d >= period.start);
  const last = [...dates].reverse().find((d) => d < period.end);
  const label = `Exposure index, ${dates[0] ?? ''} to ${dates.at(-1) ?? ''}: ${exposure.before.toFixed(1)} before the period, ${exposure.after.toFixed(1)} at its end`;
  const round = (x: number) => Math.round(x * 100) / 100;
  const svg = render(
    {
      title: { text: 'Exposure (last 90 days)', left: 8, top: 4, textStyle: { fontSize: 14, ...TEXT } },
      legend: { top: 6, right: 8, textStyle: { fontSize: 11 } },
      grid: { left: 56, right: 16, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: dates, axisLabel: { formatter: (v: string) => v.slice(5) } },
      yAxis: { type: 'value' },
      series: [
        {
          name: 'exposure',
          type: 'line',
          showSymbol: false,
          lineStyle: { color: '#1f4e79', width: 2 },
          itemStyle: { color: '#1f4e79' },
          data: exposure.series.map((p) => round(p.exposure)),
          ...(first && last ? { markArea: { silent: true, itemStyle: { color: 'rgba(31,78,121,0.10)' }, data: [[{ xAxis: first }, { xAxis: last }]] } } : {}),
        },
        {
          name: 'open',
          type: 'line',
          showSymbol: false,
          lineStyle: { color: '#d9534f', width: 1.5, type: 'dashed' },
          itemStyle: { color: '#d9534f' },
          data: exposure.series.map((p) => round(p.openExposure)),
        },
      ],
    },
    label,
  );
  return { file: 'exposure.svg', label, svg };
}

/** EPSS before and after the period for the biggest movers (percent), largest rise on top. */
export function moversChart(movers: readonly ReportMover[]): ReportChart {
  const rows = [...movers].reverse();
  const label = `EPSS movers: ${movers.map((m) => m.cveId).join(', ')}`;
  const pct = (x: number | null) => Math.round((x ?? 0) * 10_000) / 100;
  const svg = render(
    {
      title: { text: 'EPSS movers (%)', left: 8, top: 4, textStyle: { fontSize: 14, ...TEXT } },
      legend: { top: 6, right: 8, textStyle: { fontSize: 11 } },
      grid: { left: 120, right: 24, top: 40, bottom: 28 },
      xAxis: { type: 'value', max: 100 },
      yAxis: { type: 'category', data: rows.map((m) => m.cveId), axisLabel: { fontSize: 11 } },
      series: [
        { name: 'before', type: 'bar', itemStyle: { color: '#bbbbbb' }, data: rows.map((m) => pct(m.before)) },
        { name: 'after', type: 'bar', itemStyle: { color: '#d9534f' }, data: rows.map((m) => pct(m.after)) },
      ],
    },
    label,
    WIDTH,
    Math.max(160, 60 + rows.length * 26),
  );
  return { file: 'epss-movers.svg', label, svg };
}
