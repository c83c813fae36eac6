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
  MarkPointComponent,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, init, use } from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

// Trends: pins on breakout buckets (markPoint) and SVG charts whose legend and bars are DOM nodes.
use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, MarkPointComponent, CanvasRenderer, SVGRenderer]);

/** The option type for exactly what is registered above. */
export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption>;

export { init };
