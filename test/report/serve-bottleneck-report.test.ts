/**
 * A serving run the client or its connections limited says so, with the reasons, before its
 * numbers: in the terminal, the Markdown report and the HTML report. A healthy run says nothing.
 */
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../src/json.js";
import { renderMarkdownReport } from "../../src/report/formats/markdown-report.js";
import { parseReport } from "../../src/report/formats/report-documents.js";
import { renderHtmlReport } from "../../src/report/html/render-html.js";
import { renderServeResult } from "../../src/report/serve-terminal.js";

const REASONS = [
  "137 requests never reached the server (connecting failed, timed out or the connection was reset)",
  "requests reached the server at 440.00 req/s of the 1000 req/s target",
];

function serveResult(limited: boolean): Record<string, JsonValue> {
  return {
    date: "20250101-120000",
    backend: "openai-completions",
    model_id: "m",
    duration: 10,
    completed: 4263,
    failed: 137,
    request_throughput: 426.3,
    mean_ttft_ms: 2660,
    median_ttft_ms: 2500,
    p99_ttft_ms: 9000,
    target_request_rate: 1000,
    achieved_request_rate: limited ? 440 : 999.9,
    dispatched_request_rate: 999.99,
    send_lag_p50_ms: 0.4,
    send_lag_p99_ms: 10.4,
    connection_wait_p50_ms: 2400,
    connection_wait_p99_ms: 9000,
    connection_failures: limited ? 137 : 0,
    client_bottleneck: limited,
    client_bottleneck_reasons: limited ? REASONS : [],
  };
}

const documents = (serve: Record<string, JsonValue>) => ({ label: "run", files: { "serve.json": JSON.stringify(serve) } });

describe("client-bottleneck warning in reports", () => {
  it("comes first in the terminal, with the delivery figures in the client section", () => {
    const text = renderServeResult(serveResult(true));
    const lines = text.split("\n");
    expect(lines[1]).toContain("The client or its connections limited this run");
    for (const reason of REASONS) expect(lines.slice(2, 4).join("\n")).toContain(reason);
    expect(text).toMatch(/Target \/ achieved rate \(req\/s\):\s+1000\.00 \/ 440\.00/);
    expect(text).toMatch(/Dispatched to connections \(req\/s\):\s+999\.99/);
    expect(text).toMatch(/Connection wait p50 \/ p99 \(ms\):\s+2400\.000 \/ 9000\.000/);
    expect(text).toMatch(/Requests that never reached the server:\s+137/);
    expect(renderServeResult(serveResult(false))).not.toContain("limited this run");
  });

  it("heads the Markdown report", () => {
    const md = renderMarkdownReport(parseReport(documents(serveResult(true))));
    expect(md).toContain("> **The client or its connections limited this run, not only the engine.**");
    for (const reason of REASONS) expect(md).toContain(`> - ${reason}`);
    expect(md.indexOf("limited this run")).toBeLessThan(md.indexOf("## Load and throughput"));
    expect(md).toContain("| Achieved request rate: reached the server (req/s) | 440 |");
    expect(renderMarkdownReport(parseReport(documents(serveResult(false))))).not.toContain("limited this run");
  });

  it("heads the HTML report, naming the sweep step it concerns", () => {
    const html = renderHtmlReport(documents(serveResult(true)));
    expect(html).toContain('data-client-bottleneck="true"');
    for (const reason of REASONS) expect(html).toContain(`<li>${reason}</li>`);
    expect(html.indexOf("data-client-bottleneck")).toBeLessThan(html.indexOf("<h2>Key metrics</h2>"));
    expect(renderHtmlReport(documents(serveResult(false)))).not.toContain("data-client-bottleneck");

    const sweep = { ...serveResult(false), mode: "sweep", runs: [{ kind: "synchronous", ...serveResult(false) }, { kind: "throughput", ...serveResult(true) }] };
    const sweepHtml = renderHtmlReport(documents(sweep));
    expect(sweepHtml).toContain(`<li>step 2 (throughput): ${REASONS[0]}</li>`);
    const sweepMd = renderMarkdownReport(parseReport(documents(sweep)));
    expect(sweepMd).toMatch(/\| 1 \| synchronous \|.*\| no \|\n\| 2 \| throughput \|.*\| yes \|/);
  });
});
