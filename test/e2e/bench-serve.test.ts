/**
 * The serving benchmark end to end against the real llama-server and the tiny model: with a
 * concurrency cap, and with a request rate. Counts, token totals from the server's usage,
 * plausible TTFT/ITL, and the engine's own /metrics deltas agreeing with the client.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ProcessUsageReport } from "../../src/collectors/process-sampler.js";
import { loadReportDocuments, parseReport } from "../../src/report/formats/report-documents.js";
import { reportCharts } from "../../src/report/html/report-charts.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { checkEngineProcess } from "../support/engine-process.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const server = await requireLlamaServer();

type Result = Record<string, unknown> & {
  engine_metrics: { available: boolean; deltas: { counters: Record<string, number> }; engine_side: Record<string, number> };
  engine_process: ProcessUsageReport;
};

async function benchServe(extra: string[]): Promise<{ result: Result; dir: string; port: number; stderr: string }> {
  const port = await freePort();
  const dir = join(mkdtempSync(join(tmpdir(), "kitt-serve-")), "out");
  const run = await runKitt(
    ["bench", "serve", "-e", "llama_cpp", "-m", await ensureTestModel(), "--runtime", "native", "--port", String(port), "-o", dir, "--json",
      "--random-input-len", "64", "--random-output-len", "32", "--warmup-requests", "2", ...extra],
    { KITT_HOME: tempKittHome() },
  );
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(readFileSync(join(dir, "serve.json"), "utf8")) as Result;
  expect(JSON.parse(run.stdout)).toEqual(result);
  return { result, dir, port, stderr: run.stderr };
}

function checkCommon(result: Result, prompts: number): void {
  expect(result).toMatchObject({ completed: prompts, failed: 0, num_prompts: prompts, output_tokens_source: "server", osl_mismatch_count: 0 });
  // Exact lengths: prompts measured by the engine's own /tokenize, outputs forced by ignore_eos.
  expect(result.total_input_tokens).toBe(prompts * 64);
  expect(result.total_output_tokens).toBe(prompts * 32);
  const n = (key: string) => result[key] as number;
  expect(n("mean_ttft_ms")).toBeGreaterThan(0);
  expect(n("mean_ttft_ms")).toBeLessThan(n("mean_e2el_ms"));
  expect(n("median_ttft_ms")).toBeLessThanOrEqual(n("p99_ttft_ms"));
  expect(n("mean_tpot_ms")).toBeGreaterThan(0);
  expect(n("mean_itl_ms")).toBeGreaterThanOrEqual(0);
  expect(n("output_throughput")).toBeGreaterThan(0);
  expect(n("max_output_tokens_per_s")).toBeGreaterThan(0);
  // vLLM's per-request arrays, in seconds, one entry per prompt.
  expect(result.output_lens).toEqual(Array.from({ length: prompts }, () => 32));
  const ttfts = result.ttfts as number[];
  expect((ttfts.reduce((sum, ttft) => sum + ttft, 0) / ttfts.length) * 1000).toBeCloseTo(n("mean_ttft_ms"), 6);
  expect(result.itls).toHaveLength(prompts);
  expect(result.errors).toEqual(Array.from({ length: prompts }, () => ""));
  // The engine's own counter moved by exactly what the client measured (warmup is outside the window).
  expect(result.engine_metrics.available).toBe(true);
  expect(result.engine_metrics.deltas.counters["kitt:generation_tokens_total"]).toBe(prompts * 32);
}

describe.skipIf(!server)("kitt bench serve against llama-server", () => {
  it("with a concurrency cap: never more than 4 in flight, per-request records on disk", async () => {
    const { result, dir, port } = await benchServe(["--num-prompts", "30", "--max-concurrency", "4"]);
    checkCommon(result, 30);
    expect(result.max_concurrency).toBe(4);
    expect(result.peak_concurrent_requests).toBeLessThanOrEqual(4);
    expect(result.request_rate).toBe("inf");
    const records = readFileSync(join(dir, "requests.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(records).toHaveLength(30);
    for (const record of records) {
      expect(record.success).toBe(true);
      expect(record.outputTokens).toBe(32);
      expect(record.chunkMs.length).toBeGreaterThan(0);
      expect(record.ttftMs).toBeGreaterThan(0);
    }
    // vLLM's definitions, recomputed from the raw records: ITL pools every chunk gap,
    // TPOT is (E2EL − TTFT) / (output tokens − 1) per request.
    const gaps = records.flatMap((r) => r.chunkMs.slice(1).map((t: number, i: number) => t - r.chunkMs[i]));
    expect(result.mean_itl_ms as number).toBeCloseTo(gaps.reduce((a, b) => a + b, 0) / gaps.length, 6);
    const tpots = records.map((r) => (r.e2elMs - r.ttftMs) / (r.outputTokens - 1));
    expect(result.mean_tpot_ms as number).toBeCloseTo(tpots.reduce((a, b) => a + b, 0) / tpots.length, 6);
    expect(llamaServersOnPort(port)).toEqual([]);

    // llama-server's CPU and memory over the run, charted where a GPU chart would be empty.
    checkEngineProcess(result.engine_process, "procfs");
    const charts = reportCharts(parseReport(await loadReportDocuments(dir)));
    expect(charts.find((c) => c.id === "gpu-memory")).toBeUndefined();
    const memory = charts.find((c) => c.id === "engine-memory");
    expect(memory?.available && memory.series[0]!.values.length).toBe(result.engine_process.available ? result.engine_process.samples.length : -1);
    expect(charts.find((c) => c.id === "engine-requests")?.available).toBe(true);
  }, 120_000);

  it("with a Poisson request rate: the schedule is kept", async () => {
    const { result } = await benchServe(["--num-prompts", "40", "--request-rate", "40"]);
    checkCommon(result, 40);
    expect(result.request_rate).toBe(40);
    expect(result.target_request_rate).toBe(40);
    // The last send is scheduled at N/rate = 1 s; the client keeps to it.
    expect(result.dispatched_request_rate as number).toBeGreaterThan(40 * 0.9);
    expect(result.dispatched_request_rate as number).toBeLessThan(40 * 1.1);
    // Reaching the server also waits for llama-server to accept the connection, which it does
    // late when its threads and the test's share two busy cores; it can never run ahead.
    expect(result.achieved_request_rate as number).toBeGreaterThan(40 * 0.6);
    expect(result.achieved_request_rate as number).toBeLessThanOrEqual(result.dispatched_request_rate as number);
    // llama-server shares the CPUs with the client here, so single sends can slip by tens of
    // milliseconds; the typical send must still leave on time.
    expect(result.send_lag_p50_ms as number).toBeLessThan(20);
    expect(result.send_lag_p99_ms as number).toBeLessThan(250);
  }, 120_000);
});

describe.skipIf(!server)("serving suite tests through kitt run", () => {
  it("serve, concurrency_scaling and long_context produce their metrics", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kitt-serving-suite-")), "results");
    const suite = fileURLToPath(new URL("../fixtures/suites/serving-small.yaml", import.meta.url));
    const run = await runKitt(
      ["run", "-e", "llama_cpp", "-m", await ensureTestModel(), "--runtime", "native", "--port", String(await freePort()), "-s", suite, "-o", out],
      { KITT_HOME: tempKittHome() },
    );
    expect(run.code, run.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    const byName = Object.fromEntries(metrics.results.map((r: { test_name: string; metrics: unknown }) => [r.test_name, r.metrics]));
    expect(byName.serve).toMatchObject({ completed: 20, failed: 0, total_output_tokens: 320 });
    expect(byName.concurrency_scaling.levels.map((l: { concurrency: number }) => l.concurrency)).toEqual([1, 2, 4]);
    expect([1, 2, 4]).toContain(byName.concurrency_scaling.optimal_concurrency);
    // The tiny model serves 2,048 tokens per slot: 4,096 does not fit and is skipped, not sent.
    expect(byName.long_context.context_length).toBe(2048);
    expect(byName.long_context.skipped_lengths).toEqual([4096]);
    expect(byName.long_context.lengths.map((l: { input_len: number }) => l.input_len)).toEqual([128, 512]);
    expect(byName.long_context.lengths[1].mean_ttft_ms).toBeGreaterThan(0);
  }, 180_000);
});
