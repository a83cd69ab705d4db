import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { EngineMetricsScraper, type EngineMetricsAvailable, type EngineMetricsReport } from "../../src/collectors/engine-metrics.js";
import { KittError } from "../../src/errors.js";

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

interface FakeEngine {
  baseUrl: string;
  /** Requests to /metrics so far. */
  hits: () => number;
  /** Most /metrics requests in flight at the same moment. */
  maxConcurrent: () => number;
}

type Answer = { status: number; body: string; delayMs?: number };

const servers: Server[] = [];

/** A local HTTP server answering /metrics with whatever `answer` returns for the nth request. */
async function fakeEngine(answer: (hit: number) => Answer): Promise<FakeEngine> {
  let hits = 0;
  let inFlight = 0;
  let maxConcurrent = 0;
  const server = createServer((request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    const { status, body, delayMs = 0 } = answer(hits++);
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    setTimeout(() => {
      inFlight--;
      response.writeHead(status, { "content-type": "text/plain; version=0.0.4" }).end(body);
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, hits: () => hits, maxConcurrent: () => maxConcurrent };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

function available(report: EngineMetricsReport): EngineMetricsAvailable {
  if (!report.available) throw new Error(`metrics unavailable: ${report.reason}`);
  return report;
}

/** A vLLM-shaped body: counters, gauges and a TTFT histogram (bounds 0.1, 0.5, +Inf). */
function vllmBody(state: { generated: number; running: number; waiting: number; kv: number; fast: number; slow: number }): string {
  const labels = 'engine="0",model_name="m"';
  return [
    "# HELP vllm:num_requests_running Number of requests in model execution batches.",
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running{${labels}} ${state.running}.0`,
    "# TYPE vllm:num_requests_waiting gauge",
    `vllm:num_requests_waiting{${labels}} ${state.waiting}.0`,
    "# TYPE vllm:kv_cache_usage_perc gauge",
    `vllm:kv_cache_usage_perc{${labels}} ${state.kv}`,
    "# TYPE vllm:generation_tokens_total counter",
    `vllm:generation_tokens_total{${labels}} ${state.generated}.0`,
    "# TYPE vllm:time_to_first_token_seconds histogram",
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="m"} ${state.fast}.0`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.5",model_name="m"} ${state.fast + state.slow}.0`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} ${state.fast + state.slow}.0`,
    `vllm:time_to_first_token_seconds_count{${labels}} ${state.fast + state.slow}.0`,
    `vllm:time_to_first_token_seconds_sum{${labels}} ${state.fast * 0.05 + state.slow * 0.3}`,
    "",
  ].join("\n");
}

describe("EngineMetricsScraper against a local HTTP server", () => {
  it("reports counter growth, the histogram delta and the gauge series between before and after", async () => {
    const state = { generated: 1000, running: 0, waiting: 0, kv: 0.1, fast: 40, slow: 0 };
    const engine = await fakeEngine(() => ({ status: 200, body: vllmBody(state) }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 20 });
    await scraper.start();
    expect(engine.hits()).toBe(1);

    Object.assign(state, { generated: 1300, running: 6, waiting: 3, kv: 0.8, fast: 44, slow: 5 });
    await until(() => engine.hits() >= 4);
    Object.assign(state, { generated: 1500, running: 2, waiting: 0, kv: 0.4, fast: 46, slow: 10 });
    const report = available(await scraper.stop());

    expect(report.deltas.counters).toEqual({ "kitt:generation_tokens_total": 500 });
    const ttft = report.deltas.histograms["kitt:time_to_first_token_seconds"];
    expect(ttft).toMatchObject({ count: 16 });
    expect(ttft?.sum).toBeCloseTo(6 * 0.05 + 10 * 0.3);
    // 6 of the 16 new first tokens came within 0.1 s, 10 within 0.5 s: the median is the 2nd of those 10.
    expect(ttft?.p50).toBeCloseTo(0.1 + 0.4 * (2 / 10));
    expect(report.gauges["kitt:num_requests_running"]).toMatchObject({ min: 0, max: 6, last: 2 });
    expect(report.gauges["kitt:num_requests_waiting"]?.max).toBe(3);
    expect(report.gauges["kitt:kv_cache_usage_perc"]).toMatchObject({ min: 0.1, max: 0.8, last: 0.4 });
    expect(report.series.length).toBe(engine.hits());
    // t counts from just before the first scrape: 0 ms, or a little more on a busy machine.
    expect(report.series[0]).toEqual({ t: expect.any(Number), "kitt:num_requests_running": 0, "kitt:num_requests_waiting": 0, "kitt:kv_cache_usage_perc": 0.1 });
    expect(report.series[0]!.t).toBeLessThan(report.series[1]!.t);
    expect(report.series.map((sample) => sample.t)).toEqual([...report.series.map((sample) => sample.t)].sort((a, b) => a - b));
    expect(report).toMatchObject({ engine: "vllm", url: `${engine.baseUrl}/metrics`, interval_ms: 20, errors: 0 });
    expect(Date.parse(report.after_at)).toBeGreaterThan(Date.parse(report.before_at));
    // The TTFT histogram's running totals at every scrape, on the gauges' clock.
    const totals = report.ttft_series ?? [];
    expect(totals.map((s) => s.t)).toEqual(report.series.map((s) => s.t));
    expect(totals[0]).toMatchObject({ count: 40 });
    expect(totals[0]!.sum).toBeCloseTo(40 * 0.05);
    expect(totals.at(-1)).toMatchObject({ count: 56 });
    expect(totals.at(-1)!.sum).toBeCloseTo(46 * 0.05 + 10 * 0.3);
  });

  it("reads a recorded TGI body whose counters have no _total", async () => {
    const tgi = fixture("prometheus/tgi/metrics.prom");
    const later = tgi
      .replace("tgi_request_success 109", "tgi_request_success 112")
      .replace("tgi_request_generated_tokens_sum 3423", "tgi_request_generated_tokens_sum 3523");
    const engine = await fakeEngine((hit) => ({ status: 200, body: hit === 0 ? tgi : later }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "tgi", intervalMs: 60_000 });
    await scraper.start();
    const report = available(await scraper.stop());
    expect(report.deltas.counters).toMatchObject({ "kitt:request_success_total": 3, "kitt:generation_tokens_total": 100 });
    expect(report.sources["kitt:generation_tokens_total"]).toBe("tgi_request_generated_tokens_sum");
    expect(report.scrapes).toBe(2);
  });

  it("counts a counter that went down between scrapes (engine restart) from zero", async () => {
    const state = { generated: 5000, running: 0, waiting: 0, kv: 0, fast: 100, slow: 0 };
    const engine = await fakeEngine(() => ({ status: 200, body: vllmBody(state) }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 60_000 });
    await scraper.start();
    Object.assign(state, { generated: 42, fast: 3, slow: 1 });
    const report = available(await scraper.stop());
    expect(report.deltas.counters["kitt:generation_tokens_total"]).toBe(42);
    expect(report.deltas.histograms["kitt:time_to_first_token_seconds"]).toMatchObject({ count: 4 });
  });

  it("is unavailable when /metrics answers 404, with how to turn metrics on", async () => {
    const engine = await fakeEngine(() => ({ status: 404, body: "Not Found" }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "sglang" });
    await scraper.start();
    const report = await scraper.stop();
    expect(report).toEqual({ available: false, reason: `${engine.baseUrl}/metrics answered 404 (start SGLang with --enable-metrics)` });
    expect(engine.hits()).toBe(1);
  });

  it("is unavailable when llama-server answers 501 (started without --metrics)", async () => {
    const body = '{"error":{"code":501,"message":"This server does not support metrics endpoint. Start it with `--metrics`","type":"not_supported_error"}}';
    const engine = await fakeEngine(() => ({ status: 501, body }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "llama_cpp" });
    await scraper.start();
    expect(await scraper.stop()).toMatchObject({ available: false, reason: expect.stringContaining("answered 501 (start llama-server with --metrics)") });
  });

  it("is unavailable, without asking, for engines that have no metrics endpoint", async () => {
    const engine = await fakeEngine(() => ({ status: 200, body: vllmBody({ generated: 1, running: 0, waiting: 0, kv: 0, fast: 0, slow: 0 }) }));
    for (const name of ["ollama", "exllamav2"] as const) {
      const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: name });
      await scraper.start();
      expect(await scraper.stop()).toEqual({ available: false, reason: `${name} has no Prometheus metrics endpoint` });
    }
    expect(engine.hits()).toBe(0);
  });

  it("is unavailable when the first answer is not an exposition, or holds none of the engine's metrics", async () => {
    const html = await fakeEngine(() => ({ status: 200, body: "<html><body>proxy login</body></html>" }));
    const first = new EngineMetricsScraper({ baseUrl: html.baseUrl, engine: "vllm" });
    await first.start();
    expect(await first.stop()).toMatchObject({ available: false, reason: expect.stringMatching(/first scrape .* failed: not a Prometheus text exposition/) });

    const other = await fakeEngine(() => ({ status: 200, body: fixture("prometheus/llamacpp/metrics-after-two-completions.prom") }));
    const second = new EngineMetricsScraper({ baseUrl: other.baseUrl, engine: "vllm" });
    await second.start();
    expect(await second.stop()).toMatchObject({
      available: false,
      reason: expect.stringContaining("exposes no vllm metric kitt knows (it exposes llamacpp:prompt_tokens_total"),
    });
  });

  it("records failed periodic scrapes instead of throwing, and keeps the last good one if the after scrape fails", async () => {
    const state = { generated: 10, running: 1, waiting: 0, kv: 0.2, fast: 1, slow: 0 };
    let failing = false;
    const engine = await fakeEngine(() => (failing ? { status: 500, body: "Internal Server Error" } : { status: 200, body: vllmBody(state) }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 15 });
    await scraper.start();
    state.generated = 70;
    await until(() => engine.hits() >= 3);
    failing = true;
    const failedFrom = engine.hits();
    await until(() => engine.hits() >= failedFrom + 2);
    const report = available(await scraper.stop());
    expect(report.errors).toBeGreaterThanOrEqual(3);
    expect(report.last_error).toBe(`${engine.baseUrl}/metrics answered 500: Internal Server Error`);
    expect(report.deltas.counters["kitt:generation_tokens_total"]).toBe(60);
    expect(report.scrapes + report.errors).toBe(engine.hits());
  });

  it("never overlaps scrapes when the engine answers slower than the interval", async () => {
    const engine = await fakeEngine(() => ({ status: 200, body: vllmBody({ generated: 1, running: 0, waiting: 0, kv: 0, fast: 0, slow: 0 }), delayMs: 40 }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 5 });
    await scraper.start();
    await until(() => engine.hits() >= 5);
    available(await scraper.stop());
    expect(engine.maxConcurrent()).toBe(1);
  });

  it("counts a scrape that times out as an error", async () => {
    let slow = false;
    const body = vllmBody({ generated: 1, running: 0, waiting: 0, kv: 0, fast: 0, slow: 0 });
    const engine = await fakeEngine(() => ({ status: 200, body, delayMs: slow ? 300 : 0 }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 10, timeoutMs: 50 });
    await scraper.start();
    slow = true;
    await until(() => engine.hits() >= 2);
    const report = available(await scraper.stop());
    expect(report.errors).toBeGreaterThanOrEqual(1);
  });

  it("stops idempotently: the same report twice, also through await using; start after stop throws", async () => {
    const engine = await fakeEngine(() => ({ status: 200, body: vllmBody({ generated: 1, running: 0, waiting: 0, kv: 0, fast: 0, slow: 0 }) }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 60_000 });
    await scraper.start();
    await scraper.start();
    const [first, second] = await Promise.all([scraper.stop(), scraper.stop()]);
    expect(second).toBe(first);
    await scraper[Symbol.asyncDispose]();
    expect(await scraper.stop()).toBe(first);
    expect(engine.hits()).toBe(2);
    await expect(scraper.start()).rejects.toThrow(KittError);

    const never = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm" });
    expect(await never.stop()).toEqual({ available: false, reason: "the engine metrics scraper was never started" });

    {
      await using disposed = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 60_000 });
      await disposed.start();
    }
    expect(engine.hits()).toBe(4);
  });

  it("takes no more scrapes once stopped", async () => {
    const engine = await fakeEngine(() => ({ status: 200, body: vllmBody({ generated: 1, running: 0, waiting: 0, kv: 0, fast: 0, slow: 0 }) }));
    const scraper = new EngineMetricsScraper({ baseUrl: engine.baseUrl, engine: "vllm", intervalMs: 10 });
    await scraper.start();
    await until(() => engine.hits() >= 3);
    await scraper.stop();
    const hits = engine.hits();
    await sleep(60);
    expect(engine.hits()).toBe(hits);
  });
});
