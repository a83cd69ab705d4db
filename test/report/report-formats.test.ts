/** The report's other formats (CSV, Markdown, JSON) from the same fixtures as the HTML report. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csvField, renderCsvReport } from "../../src/report/formats/csv-report.js";
import { renderJsonReport } from "../../src/report/formats/json-report.js";
import { renderMarkdownReport } from "../../src/report/formats/markdown-report.js";
import { renderReport } from "../../src/report/render-report.js";
import { loadReportDocuments, parseReport } from "../../src/report/formats/report-documents.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/report");

describe("CSV report", () => {
  it("has one row per metric: test, run_number, metric, value", async () => {
    const csv = renderCsvReport(parseReport(await loadReportDocuments(join(FIXTURES, "suite"))));
    const [header, ...rows] = csv.trimEnd().split("\n");
    expect(header).toBe("test,run_number,metric,value");
    for (const row of rows) expect(row).toMatch(/^[a-z_]+,\d+,[\w.]+,-?[\d.e+-]+$/);
    expect(rows).toContain("concurrency_scaling,1,optimal_concurrency,2");
    expect(rows.some((r) => r.startsWith("latency,1,ttft_ms.p99,"))).toBe(true);
    expect(rows.some((r) => r.startsWith("concurrency_scaling,1,levels.2.concurrency,4"))).toBe(true);
    // Per-request samples are not metrics.
    expect(rows.some((r) => r.includes("per_request"))).toBe(false);
  });

  it("turns a serving run into rows of the serve test", async () => {
    const rows = renderCsvReport(parseReport(await loadReportDocuments(join(FIXTURES, "serve")))).split("\n");
    expect(rows).toContain("serve,1,completed,30");
    expect(rows.some((r) => r.startsWith("serve,1,median_ttft_ms,"))).toBe(true);
  });

  it("gives each sweep step its own run number", () => {
    const serve = { request_throughput: 2, completed: 4, duration: 1, runs: [{ completed: 1 }, { completed: 3 }] };
    const csv = renderCsvReport(parseReport({ label: "sweep", files: { "serve.json": JSON.stringify(serve) } }));
    expect(csv).toBe("test,run_number,metric,value\nserve,1,completed,1\nserve,2,completed,3\n");
  });

  it("quotes fields as RFC 4180 says", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });
});

describe("Markdown report", () => {
  it("is the suite's summary for a suite run", async () => {
    const md = renderMarkdownReport(parseReport(await loadReportDocuments(join(FIXTURES, "suite"))));
    expect(md).toContain("# kitt results: report-fixture");
    expect(md).toContain("## concurrency_scaling");
    expect(md).toContain("| suite | report-fixture · version 1.0.0 · ");
    expect(md).toMatch(/\| test throughput \| warmup_iterations=5, /);
  });

  it("summarises a serving run's load, throughput and latencies", async () => {
    const md = renderMarkdownReport(parseReport(await loadReportDocuments(join(FIXTURES, "serve"))));
    expect(md).toContain("| Engine | llama_cpp |");
    expect(md).toContain("| Successful requests | 30 |");
    expect(md).toMatch(/\| TTFT \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    expect(md).toContain("| | Mean | Median | P90 | P95 | P99 |");
    expect(md).toContain("## What was run\n\n| Setting | Value |\n|---|---|\n| kitt version | 0.1.0 |");
    expect(md).toContain("| max concurrency | 4 |");
    expect(md).toContain("| engine arguments | not recorded |");
  });
});

describe("JSON report", () => {
  it("holds every document parsed, request lines as an array", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "serve"));
    const json = JSON.parse(renderJsonReport(docs)) as { run: string; documents: Record<string, unknown> };
    expect(Object.keys(json.documents).sort()).toEqual(["config.json", "hardware.json", "requests.jsonl", "serve.json"]);
    expect((json.documents["requests.jsonl"] as unknown[]).length).toBe(30);
  });

  it("refuses an unknown format", async () => {
    const docs = await loadReportDocuments(join(FIXTURES, "serve"));
    expect(() => renderReport(docs, "pdf")).toThrow(/--format must be one of html, md, json, csv/);
  });
});
