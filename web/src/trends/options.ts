/**
 * ECharts options of the Trends page, built from API answers. Pure functions (no ECharts import:
 * the library loads on demand, see charts/Chart.tsx).
 */
import { PALETTE } from '../charts/colours.ts';
import type { ChartOption } from '../charts/echarts.ts';
import type { Breakout, ExposurePoint, TrendResult } from '../types-trends.ts';
import { bucketLabel, fmtP } from './model.ts';

/** Colours of the series, in order (the last: "Other"). */
export const SERIES_COLOURS = [...PALETTE.slice(0, 5), '#15aabf', '#82c91e', '#be4bdb', '#fd7e14', '#4c6ef5', '#a61e4d', '#5c940d'];
export const OTHER_COLOUR = '#adb5bd';
/** Name of the series of everything outside the top series. */
export const OTHER = 'Other';

/**
 * The page's font, named outright: ECharts measures text on a canvas, where `inherit` means its
 * default font, and an SVG chart draws it in the page's (wider) one: labels then overlapped.
 */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Longest series name in the legend, characters (CWE names run to 120). */
const LEGEND_NAME_MAX = 32;

/** A series' legend entry: its name (cut at {@link LEGEND_NAME_MAX} characters with `…`) and its total. */
export function legendName(label: string, total: number): string {
  const name = label.length > LEGEND_NAME_MAX ? `${label.slice(0, LEGEND_NAME_MAX - 1).trimEnd()}…` : label;
  return `${name} (${total.toLocaleString('en-US')})`;
}

/** ECharts tooltips are HTML: names from feeds are escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a click or a tooltip on the trend chart points at. */
interface Target {
  seriesIndex: number;
  dataIndex: number;
}

/** The bucket a chart event (a bar, or a breakout's pin) points at, or null (the "Other" series, a blank). */
export function targetOf(result: TrendResult, params: unknown): { key: string; bucket: string } | null {
  const p = params as { componentType?: string; seriesIndex?: number; dataIndex?: number; data?: { coord?: [number, number] } };
  const t: Target | null =
    p.componentType === 'markPoint' && p.data?.coord
      ? { seriesIndex: p.seriesIndex ?? -1, dataIndex: p.data.coord[0] }
      : p.componentType === 'series'
        ? { seriesIndex: p.seriesIndex ?? -1, dataIndex: p.dataIndex ?? -1 }
        : null;
  const series = t ? result.series[t.seriesIndex] : undefined;
  const bucket = t ? result.buckets[t.dataIndex] : undefined;
  return series && bucket ? { key: series.key, bucket } : null;
}

function breakoutText(b: Breakout, interval: string): string {
  return `<b>Breakout</b>: ${b.count} against a trailing baseline of ${b.baseline.toFixed(1)} per ${interval} (${fmtP(b.pValue)})`;
}

/**
 * Stacked bars, one series per key (largest total first, then "Other"), the legend giving each
 * total. A breakout bucket gets a dark outline and a pin above its stack, and its tooltip gives the
 * count, the trailing baseline and the Poisson p-value (docs/trends.md).
 */
export function trendOption(result: TrendResult): ChartOption {
  const n = result.buckets.length;
  const stackTop = new Array<number>(n).fill(0);
  const breakoutAt = new Map<string, Breakout>();
  const totals = new Map<string, number>();
  const series: NonNullable<ChartOption['series']> = result.series.map((s, si) => {
    const mine = new Map(s.breakouts.map((b) => [b.bucket, b]));
    const points = s.counts.map((c, i) => {
      stackTop[i] = (stackTop[i] ?? 0) + c;
      const b = mine.get(result.buckets[i]!);
      if (b) breakoutAt.set(`${si}:${i}`, b);
      return b ? { value: c, itemStyle: { borderColor: '#212529', borderWidth: 2 } } : c;
    });
    totals.set(s.label, s.total);
    const pins = s.breakouts.flatMap((b) => {
      const i = result.buckets.indexOf(b.bucket);
      return i < 0 ? [] : [{ coord: [i, stackTop[i]!] as [number, number], value: b.count, name: s.label }];
    });
    return {
      type: 'bar' as const,
      name: s.label,
      stack: 'counts',
      barMaxWidth: 40,
      itemStyle: { color: SERIES_COLOURS[si % SERIES_COLOURS.length] },
      emphasis: { focus: 'series' as const },
      data: points,
      // A small red triangle pointing down at the top of the stack (pins with counts crowded a busy month).
      markPoint: pins.length
        ? {
            symbol: 'triangle',
            symbolSize: 11,
            symbolRotate: 180,
            symbolOffset: [0, -9],
            label: { show: false },
            itemStyle: { color: '#c92a2a' },
            data: pins,
          }
        : undefined,
    };
  });
  const otherTotal = result.other.reduce((a, b) => a + b, 0);
  if (otherTotal > 0) {
    totals.set(OTHER, otherTotal);
    series.push({ type: 'bar', name: OTHER, stack: 'counts', barMaxWidth: 40, itemStyle: { color: OTHER_COLOUR }, data: result.other });
  }
  return {
    textStyle: { fontFamily: FONT },
    grid: { left: 8, right: 16, top: 64, bottom: 24, containLabel: true },
    legend: {
      type: 'scroll',
      top: 0,
      formatter: (name: string) => legendName(name, totals.get(name) ?? 0),
      tooltip: { show: true },
    },
    tooltip: {
      trigger: 'item',
      formatter: (params: unknown) => {
        const p = params as { componentType: string; seriesIndex: number; dataIndex: number; seriesName: string; value: unknown; data?: { coord?: number[] } };
        const i = p.componentType === 'markPoint' ? (p.data?.coord?.[0] ?? -1) : p.dataIndex;
        const bucket = result.buckets[i];
        if (bucket === undefined) return '';
        const count = p.componentType === 'markPoint' ? (result.series[p.seriesIndex]?.counts[i] ?? 0) : Number(p.value);
        const b = breakoutAt.get(`${p.seriesIndex}:${i}`);
        const more = p.seriesName === OTHER ? '' : '<br/><span style="opacity:.7">Click to list them</span>';
        return `<b>${escapeHtml(p.seriesName)}</b><br/>${escapeHtml(bucketLabel(bucket, result.interval))}: ${count}${b ? `<br/>${breakoutText(b, result.interval)}` : ''}${more}`;
      },
    },
    xAxis: {
      type: 'category',
      data: result.buckets.map((b) => (result.interval === 'month' ? b.slice(0, 7) : b)),
      axisTick: { alignWithLabel: true },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  };
}

/**
 * The exposure index: the daily weighted score W_t as bars (right axis), the exposure E_t and the
 * open exposure as lines (left axis). Values are sums of priority/100, shown with two decimals.
 */
export function exposureOption(points: ExposurePoint[]): ChartOption {
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : String(v));
  return {
    textStyle: { fontFamily: FONT },
    grid: { left: 8, right: 8, top: 44, bottom: 24, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: fmt },
    xAxis: { type: 'category', data: points.map((p) => p.date) },
    yAxis: [
      { type: 'value', name: 'Exposure', nameTextStyle: { align: 'left' } },
      { type: 'value', name: 'Daily score', splitLine: { show: false }, nameTextStyle: { align: 'right' } },
    ],
    series: [
      { type: 'bar', name: 'Daily score', yAxisIndex: 1, data: points.map((p) => p.score), itemStyle: { color: '#ced4da' }, barMaxWidth: 12 },
      { type: 'line', name: 'Exposure', data: points.map((p) => p.exposure), showSymbol: false, itemStyle: { color: '#c92a2a' }, lineStyle: { width: 2 } },
      {
        type: 'line',
        name: 'Open exposure',
        data: points.map((p) => p.openExposure),
        showSymbol: false,
        itemStyle: { color: PALETTE[0] },
        lineStyle: { width: 2, type: 'dashed' },
      },
    ],
  };
}
