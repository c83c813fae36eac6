/**
 * One ECharts chart in a sized box. The chart is created on mount, updated when `option` changes,
 * resized with its container and disposed on unmount. Charts are pictures: `label` describes them
 * for screen readers, and every chart's figures are also readable in text nearby.
 */
import { useEffect, useRef } from 'preact/hooks';
import { type ChartOption, init } from './echarts.ts';

export interface ChartProps {
  option: ChartOption;
  /** Accessible description (`Severity distribution: 120 critical, …`). */
  label: string;
  /** Height in CSS pixels. */
  height?: number;
  testId?: string;
}

export function Chart({ option, label, height = 280, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof init> | null>(null);

  useEffect(() => {
    if (!box.current) return;
    const c = init(box.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(box.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ animationDuration: 300, textStyle: { fontFamily: 'inherit' }, ...option }, { notMerge: true });
  }, [option]);

  return <div class="chart" ref={box} role="img" aria-label={label} style={{ height: `${height}px` }} data-testid={testId} />;
}
