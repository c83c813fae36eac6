/**
 * Chart colours, kept apart from `echarts.ts` so that building an option does not pull ECharts
 * into the first JavaScript file (the library loads on demand, after the first paint).
 */

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
