/**
 * ECharts, tree-shaken: only the chart types, components and renderer the dashboard draws with
 * are registered (https://echarts.apache.org/handbook/en/basics/import/#shrinking-bundle-size).
 * Importing `echarts` whole would add several hundred KB.
 */
import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

/** The option type for exactly what is registered above. */
export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption>;

export { init };

/** Severity colours, shared with the CSS (`--sev-*`). */
export const SEVERITY_COLOURS: Record<string, string> = {
  CRITICAL: '#8b0000',
  HIGH: '#d9480f',
  MEDIUM: '#d39e00',
  LOW: '#2f9e44',
  NONE: '#868e96',
  UNKNOWN: '#ced4da',
};

/** Palette for series without a meaning of their own. */
export const PALETTE = ['#1c7ed6', '#7048e8', '#0ca678', '#f08c00', '#e64980', '#495057'];
