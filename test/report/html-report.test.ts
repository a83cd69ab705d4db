import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadReportDocuments, parseReport } from "../../src/report/formats/report-documents.js";
import type { DrawnChart, ReportChart } from "../../src/report/html/chart-spec.js";
import { cdfOnGrid, histogram } from "../../src/report/html/distributions.js";
import { renderHtmlReport } from "../../src/report/html/render-html.js";
import { reportCharts } from "../../src/report/html/report-charts.js";
import { tokensPerSecond } from "../../src/report/html/timeline-charts.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/report");

function chartData(html: string): ReportChart[] {
  const json = /<script type="application\/json" id="kitt-report-data">(.*?)<\/script>/s.exec(html)?.[1];
  return (JSON.parse(json ?? "null") as { charts: ReportChart[] }).charts;
}

function drawn(charts: ReportChart[], id: string): DrawnChart {
  const chart = charts.find((c) => c.id === id);
  if (!chart?.available) throw new Error(`${id} was not drawn`);
  return chart;
}

describe("renderHtmlReport", () => {
  it("is one self-contained page: uPlot inline, nothing loaded from a URL", async () => {
    const html = renderHtmlReport(await loadReportDocuments(join(FIXTURES, "serve")));
    expect(html).toContain("uPlot");
    expect(html).toContain(".uplot"); // the stylesheet
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
  });

  it("draws a serving run's distributions, CDF and throughput from its request records", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "serve"));
    const charts = chartData(renderHtmlReport(docs));
    const records = parseReport(docs).requests[0]!.records;
    const successes = records.filter((r) => r.success).length;

    const sum = (values: Array<number | null>) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(sum(drawn(charts, "ttft-histogram").series[0]!.values)).toBe(successes);
    expect(sum(drawn(charts, "e2el-histogram").series[0]!.values)).toBe(successes);
    const gaps = records.reduce((n, r) => n + (r.success ? r.chunkMs.length - 1 : 0), 0);
    expect(sum(drawn(charts, "itl-histogram").series[0]!.values)).toBe(gaps);

    const cdf = drawn(charts, "latency-cdf");
    expect(cdf.series.map((s) => s.label)).toEqual(["TTFT", "E2EL"]);
    for (const series of cdf.series) expect(series.values.at(-1)).toBe(1);

    const throughput = drawn(charts, "throughput-time");
    const tokens = records.reduce((n, r) => n + (r.success ? r.chunkMs.length : 0), 0);
    expect(sum(throughput.series[0]!.values)).toBe(tokens);
    expect(throughput.x[0]).toBe(0);
  });

  it("says what was not measured instead of drawing empty axes", async () => {
    const html = renderHtmlReport(await loadReportDocuments(join(FIXTURES, "serve")));
    const charts = chartData(html);
    for (const id of ["throughput-concurrency", "gpu-memory"]) {
      const chart = charts.find((c) => c.id === id);
      expect(chart?.available, id).toBe(false);
      expect(html).toContain(`data-chart="${id}" data-available="false"`);
    }
    expect(html).toContain("not measured: no GPU memory samples (nvidia-smi not found)");
  });

  it("draws a suite run's per-request latencies and concurrency_scaling levels", async () => {
    const charts = chartData(renderHtmlReport(await loadReportDocuments(join(FIXTURES, "suite"))));
    expect(drawn(charts, "ttft-histogram").note).toContain("5 samples");
    const scaling = drawn(charts, "throughput-concurrency");
    expect(scaling.x).toEqual([1, 2, 4]);
    expect(scaling.series[0]!.values.every((v) => typeof v === "number" && v > 0)).toBe(true);
    expect(charts.find((c) => c.id === "itl-histogram")?.available).toBe(false);
    const gpu = charts.find((c) => c.id === "gpu-memory");
    expect(gpu).toMatchObject({ available: false, reason: "not measured: nvidia-smi exited with code -2" });
  });

  it("plots GPU memory samples when a run has them, one series per GPU", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "suite"));
    const metrics = JSON.parse(docs.files["metrics.json"]!) as { results: Array<{ metrics: Record<string, unknown> }> };
    metrics.results[0]!.metrics.gpu_samples = [
      { t: 0, gpu: 0, used_gb: 10 },
      { t: 0, gpu: 1, used_gb: 4 },
      { t: 100, gpu: 0, used_gb: 12 },
      { t: 100, gpu: 1, used_gb: 5 },
    ];
    const chart = reportCharts(parseReport({ ...docs, files: { ...docs.files, "metrics.json": JSON.stringify(metrics) } })).find((c) => c.id === "gpu-memory");
    expect(chart).toMatchObject({ available: true, x: [0, 0.1] });
    expect((chart as DrawnChart).series.map((s) => [s.label, s.values])).toEqual([
      ["GPU 0", [10, 12]],
      ["GPU 1", [4, 5]],
    ]);
  });

  it("keeps page text from closing its script or markup", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "serve"));
    const html = renderHtmlReport({ ...docs, label: "</script><b>x" });
    expect(html).toContain("&lt;/script&gt;&lt;b&gt;x");
    expect(html.match(/<\/script>/g)?.length).toBe(3);
  });
});

describe("chart arithmetic", () => {
  it("bins every value exactly once", () => {
    const bins = histogram([1, 2, 2, 3, 10]);
    expect(bins.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(bins.counts.at(-1)).toBe(1);
    expect(histogram([7, 7]).counts).toEqual([2]);
    expect(histogram([])).toEqual({ centers: [], counts: [], binWidth: 0 });
  });

  it("computes a CDF on a grid", () => {
    expect(cdfOnGrid([1, 2, 3, 4], [0, 1, 2.5, 4, 5])).toEqual([0, 0.25, 0.5, 1, 1]);
  });

  it("counts output tokens per second at each chunk's arrival, server token counts included", () => {
    const record = (sentMs: number, chunkMs: number[], chunkTokens: number[] | null = null, success = true) =>
      ({ sentMs, chunkMs, chunkTokens, success }) as Parameters<typeof tokensPerSecond>[0][number];
    expect(tokensPerSecond([record(0, [100, 900, 1500]), record(2000, [10], [4]), record(0, [5], null, false)])).toEqual([2, 1, 4]);
  });
});
