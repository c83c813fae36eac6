/**
 * One ECharts chart in a sized box. The chart is created on mount, updated when `option` changes,
 * resized with its container and disposed on unmount. Charts are pictures: `label` describes them
 * for screen readers, and every chart's figures are also readable in text nearby.
 *
 * ECharts (≈ 150 KB gzipped, most of the dashboard's JavaScript) is a separate file loaded on
 * demand: the page's figures and tables paint without it, and each chart's box (sized up front,
 * so nothing shifts) fills in when the library has arrived. `loadCharts()` starts that download
 * early (main.tsx calls it after the first render).
 */
import { useEffect, useRef } from 'preact/hooks';
import type { ChartOption } from './echarts.ts';

type EChartsModule = typeof import('./echarts.ts');
type EChart = ReturnType<EChartsModule['init']>;

let loading: Promise<EChartsModule> | null = null;

/** Starts (once) and returns the download of the ECharts chunk. Rejects if the file cannot load. */
export function loadCharts(): Promise<EChartsModule> {
  loading ??= import('./echarts.ts').catch((err) => {
    loading = null; // let a later chart try again
    throw err;
  });
  return loading;
}

export interface ChartProps {
  option: ChartOption;
  /** Accessible description (`Severity distribution: 120 critical, …`). */
  label: string;
  /** Height in CSS pixels. */
  height?: number;
  testId?: string;
  /** Called with ECharts' event parameters when a bar, point or marker is clicked. */
  onClick?: (params: unknown) => void;
  /** `svg` draws DOM nodes (legend text, bars) instead of pixels on a canvas (the default). */
  renderer?: 'canvas' | 'svg';
}

export function Chart({ option, label, height = 280, testId, onClick, renderer = 'canvas' }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChart | null>(null);
  const latest = useRef(option);
  latest.current = option;
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    let disposed = false;
    let ro: ResizeObserver | null = null;
    loadCharts()
      .then(({ init }) => {
        if (disposed || !box.current) return;
        const c = init(box.current, undefined, { renderer });
        chart.current = c;
        c.on('click', (params) => click.current?.(params));
        draw(c, latest.current);
        ro = new ResizeObserver(() => c.resize());
        ro.observe(box.current);
      })
      .catch(() => {
        if (!disposed && box.current) box.current.dataset.error = 'chart library failed to load';
      });
    return () => {
      disposed = true;
      ro?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (chart.current) draw(chart.current, option);
  }, [option]);

  return <div class="chart" ref={box} role="img" aria-label={label} style={{ height: `${height}px` }} data-testid={testId} />;
}

function draw(c: EChart, option: ChartOption): void {
  c.setOption({ animationDuration: 300, textStyle: { fontFamily: 'inherit' }, ...option }, { notMerge: true });
}
