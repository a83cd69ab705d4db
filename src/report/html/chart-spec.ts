/** What the HTML report draws: data the page hands to uPlot as is, or why a chart has none. */

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** CSS colour; the browser test finds a chart's drawing by these. */
  color: string;
}

export interface DrawnChart {
  available: true;
  id: string;
  title: string;
  /** Bars for histograms, points for scatter plots (null where a series has no point), lines for everything else. */
  kind: "bars" | "line" | "points";
  xLabel: string;
  yLabel: string;
  x: number[];
  series: ChartSeries[];
  /** A line under the chart, e.g. how many requests it covers. */
  note?: string;
  /** Join a series' points across x values it has no value at (series sampled on different clocks). */
  spanGaps?: boolean;
}

export interface MissingChart {
  available: false;
  id: string;
  title: string;
  /** Shown instead of an empty axis: why there is nothing to draw. */
  reason: string;
}

export type ReportChart = DrawnChart | MissingChart;

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"] as const;

export function paletteColor(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}
