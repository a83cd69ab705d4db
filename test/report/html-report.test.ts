import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadReportDocuments, parseReport, type ReportDocuments } from "../../src/report/formats/report-documents.js";
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

/** `label → [value, class]` of the "What was run" table. */
function settingsRows(html: string): Map<string, { value: string; notRecorded: boolean }> {
  const table = /<h2>What was run<\/h2>\n<table class="settings">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
  const rows = [...table.matchAll(/<tr><th scope="row">(.*?)<\/th><td( class="not-recorded")? title="[^"]*">(.*?)<\/td><\/tr>/g)];
  return new Map(rows.map((row) => [row[1]!, { value: row[3]!, notRecorded: row[2] !== undefined }]));
}

async function withServe(change: (serve: Record<string, unknown>) => void): Promise<ReportDocuments> {
  const docs = await loadReportDocuments(join(FIXTURES, "serve"));
  const serve = JSON.parse(docs.files["serve.json"]!) as Record<string, unknown>;
  change(serve);
  return { ...docs, files: { ...docs.files, "serve.json": JSON.stringify(serve) } };
}

describe("what the report says was run", () => {
  it("shows a serving run's load, data set and lengths, and says which settings were not recorded", async () => {
    const rows = settingsRows(renderHtmlReport(await loadReportDocuments(join(FIXTURES, "serve"))));
    expect(rows.get("kitt version")).toEqual({ value: "0.1.0", notRecorded: false });
    expect(rows.get("load mode")?.value).toBe("one run");
    expect(rows.get("request rate")?.value).toContain("unlimited");
    expect(rows.get("max concurrency")?.value).toBe("4");
    expect(rows.get("data set")?.value).toBe("random · 30 prompts · seed 0");
    expect(rows.get("lengths")?.value).toContain("input 64 tokens · output 32 tokens");
    expect(rows.get("lengths")?.value).toContain("1920 prompt tokens");
    // The fixture predates recording engine arguments: said, not guessed.
    expect(rows.get("image")?.value).toBe("none (a native process)");
    expect(rows.get("engine arguments")).toEqual({ value: "not recorded", notRecorded: true });
    expect(rows.get("command line")?.value).toMatch(/^kitt bench serve -e llama_cpp /);
  });

  it("shows a suite run's suite, engine arguments and each test's settings", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "suite"));
    const rows = settingsRows(renderHtmlReport(docs));
    expect(rows.get("engine arguments")?.value).toBe("none (the engine's defaults)");
    expect(rows.get("suite")?.value).toContain("report-fixture · version 1.0.0");
    expect(rows.get("runs per test")?.value).toBe("1");
    expect(rows.get("test throughput")?.value).toContain("warmup_iterations=5");
    expect(rows.has("load mode")).toBe(false);

    const config = JSON.parse(docs.files["config.json"]!) as { engine: Record<string, unknown> };
    Object.assign(config.engine, { extra_args: ["--ctx-size", "<2048>"], image: "ghcr.io/x/llama:1", image_digest: "sha256:abc" });
    const changed = settingsRows(renderHtmlReport({ ...docs, files: { ...docs.files, "config.json": JSON.stringify(config) } }));
    expect(changed.get("engine arguments")?.value).toBe("--ctx-size &lt;2048&gt;");
    expect(changed.get("image")?.value).toBe("ghcr.io/x/llama:1 · sha256:abc");
    Object.assign(config.engine, { runtime: "docker", image: undefined, image_digest: undefined });
    const noImage = settingsRows(renderHtmlReport({ ...docs, files: { ...docs.files, "config.json": JSON.stringify(config) } }));
    expect(noImage.get("image")).toEqual({ value: "not recorded", notRecorded: true });
  });

  it("labels key metrics with units and keeps each key", async () => {
    const html = renderHtmlReport(await loadReportDocuments(join(FIXTURES, "serve")));
    const row = /<tr data-metric="p99_ttft_ms">(.*?)<\/tr>/.exec(html)?.[1];
    expect(row).toBe(
      '<td>serve</td><td title="p99_ttft_ms">p99 time to first token</td><td class="num">468.81</td><td class="unit">ms</td><td class="key"><code>p99_ttft_ms</code></td>',
    );
    expect(html).toContain('<td title="output_throughput">output throughput</td><td class="num">46.22</td><td class="unit">tok/s</td>');
  });
});

describe("engine charts", () => {
  it("draws llama.cpp's requests running and waiting from its scrapes, and says it exports no KV-cache use or TTFT", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "serve"));
    const charts = chartData(renderHtmlReport(docs));
    const scrapes = (parseReport(docs).serve!.engine_metrics as { series: Array<Record<string, number>> }).series;
    const requests = drawn(charts, "engine-requests");
    expect(requests.x).toEqual(scrapes.map((s) => s.t! / 1000));
    expect(requests.series.map((s) => s.label)).toEqual(["running", "waiting"]);
    expect(requests.series[0]!.values).toEqual(scrapes.map((s) => s["kitt:num_requests_running"]));
    expect(Math.max(...(requests.series[0]!.values as number[]))).toBe(4);
    expect(charts.find((c) => c.id === "engine-kv-cache")).toMatchObject({ available: false, reason: "not measured: llama_cpp's /metrics does not export KV-cache use" });
    const ttft = drawn(charts, "ttft-time");
    expect(ttft.series.map((s) => s.label)).toEqual(["client mean TTFT"]);
    expect(ttft.note).toContain("llama_cpp exports no TTFT histogram");
  });

  it("draws KV-cache use and the engine's TTFT per scrape interval beside the client's", async () => {
    const docs = await withServe((serve) => {
      const metrics = serve.engine_metrics as Record<string, unknown>;
      metrics.engine = "vllm";
      metrics.series = [0, 1000, 2000, 3000].map((t, i) => ({ t, "kitt:num_requests_running": i, "kitt:kv_cache_usage_perc": i / 10 }));
      metrics.ttft_series = [
        { t: 0, count: 10, sum: 1 },
        { t: 1000, count: 14, sum: 1.4 },
        { t: 2000, count: 14, sum: 1.4 },
        { t: 3000, count: 16, sum: 2 },
      ];
    });
    const charts = chartData(renderHtmlReport(docs));
    const kv = drawn(charts, "engine-kv-cache");
    expect(kv.series[0]!.values).toEqual([0, 10, 20, 30].map((v) => expect.closeTo(v, 9)));
    const ttft = drawn(charts, "ttft-time");
    expect(ttft.series.map((s) => s.label)).toEqual(["client mean TTFT", "engine mean TTFT"]);
    // Nothing for the interval ending at 2 s: no first token came in it.
    const engine = ttft.x.flatMap((x, i) => (ttft.series[1]!.values[i] === null ? [] : [[x, ttft.series[1]!.values[i]]]));
    expect(engine).toEqual([
      [1, expect.closeTo(100, 6)],
      [3, expect.closeTo(300, 6)],
    ]);
    expect(ttft.spanGaps).toBe(true);
    // The client's points: requests by the second their first token arrived.
    const records = parseReport(docs).requests[0]!.records.filter((r) => r.success);
    const clientPoints = ttft.series[0]!.values.filter((v) => v !== null).length;
    expect(clientPoints).toBe(new Set(records.map((r) => Math.floor((r.sentMs + r.ttftMs!) / 1000))).size);
  });

  it("puts a sweep's steps on one clock by their first scrape's time", async () => {
    const docs = await withServe((serve) => {
      const metrics = serve.engine_metrics as Record<string, unknown>;
      const step = (beforeAt: string) => ({ engine_metrics: { ...metrics, before_at: beforeAt, series: [{ t: 0, "kitt:num_requests_running": 1 }, { t: 500, "kitt:num_requests_running": 2 }] } });
      serve.runs = [step("2026-11-22T09:00:00.000Z"), step("2026-11-22T09:00:10.000Z")];
    });
    expect(drawn(chartData(renderHtmlReport(docs)), "engine-requests").x).toEqual([0, 0.5, 10, 10.5]);
  });

  it("shows the engine's memory and CPU instead of an empty GPU chart when no GPU was sampled", async () => {
    const usage = {
        available: true,
        source: "procfs",
        target: "pid 4242",
        interval_ms: 1000,
        peak_rss_mb: 130,
        mean_cpu_percent: 150,
        samples: [
          { t: 0, cpu_percent: null, cpu_s: 1, rss_mb: 120, processes: 1 },
          { t: 1000, cpu_percent: 200, cpu_s: 3, rss_mb: 130, processes: 1 },
          { t: 2000, cpu_percent: 100, cpu_s: 4, rss_mb: 125, processes: 1 },
        ],
        errors: 0,
      };
    const docs = await withServe((serve) => {
      serve.engine_process = usage;
    });
    const html = renderHtmlReport(docs);
    const charts = chartData(html);
    expect(charts.find((c) => c.id === "gpu-memory")).toBeUndefined();
    expect(html).not.toContain('data-chart="gpu-memory"');
    const memory = drawn(charts, "engine-memory");
    expect(memory.x).toEqual([0, 1, 2]);
    expect(memory.series[0]!.values).toEqual([120, 130, 125]);
    expect(memory.note).toContain("instead of GPU memory (no GPU memory samples (nvidia-smi not found))");
    expect(drawn(charts, "engine-cpu").series[0]!.values).toEqual([null, 200, 100]);

    const withGpu = await withServe((serve) => {
      serve.engine_process = usage;
      serve.gpu_samples = [{ t: 0, gpu: 0, used_gb: 3 }, { t: 100, gpu: 0, used_gb: 4 }];
    });
    const both = chartData(renderHtmlReport(withGpu));
    expect(drawn(both, "gpu-memory").series[0]!.values).toEqual([3, 4]);
    expect(drawn(both, "engine-memory").note).not.toContain("instead of GPU memory");
  });

  it("reads a suite run's engine CPU and memory from metrics.json", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "suite"));
    const metrics = JSON.parse(docs.files["metrics.json"]!) as Record<string, unknown>;
    metrics.engine_process = {
      available: true,
      source: "docker stats",
      target: "container kitt-llama-cpp-1",
      interval_ms: 1000,
      peak_rss_mb: 90,
      mean_cpu_percent: 50,
      samples: [
        { t: 0, cpu_percent: 40, rss_mb: 80, processes: 3 },
        { t: 2000, cpu_percent: 60, rss_mb: 90, processes: 3 },
      ],
      errors: 0,
    };
    const charts = chartData(renderHtmlReport({ ...docs, files: { ...docs.files, "metrics.json": JSON.stringify(metrics) } }));
    const memory = drawn(charts, "engine-memory");
    expect(memory.x).toEqual([0, 2]);
    expect(memory.note).toContain("container kitt-llama-cpp-1, from docker stats · shown instead of GPU memory (nvidia-smi exited with code -2)");
    expect(drawn(charts, "engine-cpu").series[0]!.values).toEqual([40, 60]);
    expect(charts.find((c) => c.id === "engine-requests")).toMatchObject({ available: false, reason: expect.stringContaining("kitt bench serve") });
  });

  it("draws GPU memory from the run's own watch, and says why it is missing", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "suite"));
    const withWatch = (gpuMemory: unknown) => {
      const metrics = JSON.parse(docs.files["metrics.json"]!) as Record<string, unknown>;
      metrics.gpu_memory = gpuMemory;
      return chartData(renderHtmlReport({ ...docs, files: { ...docs.files, "metrics.json": JSON.stringify(metrics) } }));
    };
    const watched = withWatch({
      available: true,
      source: "nvidia-smi",
      interval_ms: 1000,
      peak_gb: 20,
      avg_gb: 15,
      per_gpu: [],
      samples: [
        { t: 0, gpu: 0, used_gb: 10 },
        { t: 0, gpu: 1, used_gb: 1 },
        { t: 1000, gpu: 0, used_gb: 20 },
        { t: 1000, gpu: 1, used_gb: 2 },
      ],
    });
    const gpu = drawn(watched, "gpu-memory");
    expect(gpu.x).toEqual([0, 1]);
    expect(gpu.series.map((series) => [series.label, series.values])).toEqual([
      ["GPU 0", [10, 20]],
      ["GPU 1", [1, 2]],
    ]);
    const hardware = JSON.parse(docs.files["hardware.json"]!) as Record<string, unknown>;
    delete hardware.gpu_unavailable_reason;
    const metrics = JSON.parse(docs.files["metrics.json"]!) as Record<string, unknown>;
    metrics.gpu_memory = { available: false, reason: "nvidia-smi not found" };
    // Only the run's watch says why: no test's own reason, no hardware reason.
    for (const result of metrics.results as Array<{ metrics: Record<string, unknown> }>) delete result.metrics.gpu_memory_unavailable_reason;
    const missing = reportCharts(parseReport({ ...docs, files: { ...docs.files, "hardware.json": JSON.stringify(hardware), "metrics.json": JSON.stringify(metrics) } }));
    expect(missing.find((c) => c.id === "gpu-memory")).toMatchObject({ available: false, reason: "not measured: no GPU memory samples (nvidia-smi not found)" });
  });

  it("says why the engine's CPU and memory are missing", async () => {
    const endpoint = await withServe((serve) => {
      serve.engine_process = { available: false, reason: "not sampled: kitt did not start this engine (--url)" };
    });
    const charts = chartData(renderHtmlReport(endpoint));
    expect(charts.find((c) => c.id === "engine-memory")).toMatchObject({ available: false, reason: "not sampled: kitt did not start this engine (--url)" });
    expect(charts.find((c) => c.id === "gpu-memory")?.available).toBe(false);
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
