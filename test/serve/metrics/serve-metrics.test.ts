import { describe, expect, it } from "vitest";
import { KittError } from "../../../src/errors.js";
import type { Metrics } from "../../../src/bench/types.js";
import { ServeAccumulator } from "../../../src/serve/metrics/accumulator.js";
import { computeServeMetrics, type ServeMetricsOptions } from "../../../src/serve/metrics/serve-metrics.js";
import type { RequestErrorKind, RequestRecord } from "../../../src/serve/types.js";

interface CompletedFields {
  index: number;
  scheduledMs?: number | null;
  sentMs: number;
  chunkMs: number[];
  ttftContentMs?: number | null;
  outputTokens: number | null;
  clientOutputTokens: number;
  requestedOutputTokens: number;
  promptTokens: number;
  serverPromptTokens?: number | null;
  chunkTokens?: number[] | null;
}

function completed(fields: CompletedFields): RequestRecord {
  return {
    index: fields.index,
    scheduledMs: fields.scheduledMs ?? null,
    sentMs: fields.sentMs,
    writtenMs: fields.sentMs,
    success: true,
    ttftMs: fields.chunkMs[0] ?? null,
    ttftContentMs: fields.ttftContentMs === undefined ? (fields.chunkMs[0] ?? null) : fields.ttftContentMs,
    e2elMs: fields.chunkMs[fields.chunkMs.length - 1] ?? null,
    chunkMs: fields.chunkMs,
    chunkTokens: fields.chunkTokens ?? null,
    promptTokens: fields.promptTokens,
    outputTokens: fields.outputTokens,
    clientOutputTokens: fields.clientOutputTokens,
    requestedOutputTokens: fields.requestedOutputTokens,
    serverPromptTokens: fields.serverPromptTokens ?? null,
    generatedText: null,
    error: null,
  };
}

function failed(index: number, kind: RequestErrorKind, sentMs: number, scheduledMs: number | null = null): RequestRecord {
  // A partial stream before the failure: none of it may reach any statistic.
  return {
    index,
    scheduledMs,
    sentMs,
    writtenMs: sentMs,
    success: false,
    ttftMs: 5,
    ttftContentMs: 5,
    e2elMs: 9000,
    chunkMs: [5, 9000],
    chunkTokens: null,
    promptTokens: 1000,
    outputTokens: 77,
    clientOutputTokens: 2,
    requestedOutputTokens: 3,
    serverPromptTokens: 999,
    generatedText: null,
    error: { kind, message: `${kind} failure` },
  };
}

function metricsOf(records: RequestRecord[], options: ServeMetricsOptions) {
  const accumulator = new ServeAccumulator();
  for (const record of records) accumulator.add(record);
  return computeServeMetrics(accumulator, options);
}

/**
 * A paced run at a target of 2 req/s (sends scheduled at 500, 1000, …), four completed requests
 * and two failed ones, over a duration of 4 s. Run-clock ms.
 *
 *        sent  chunks (relative)       output (server/client/asked)  prompt (set/server)
 *  R0     502  100 150 210 300         4 / 4 / 4                     10 / 10
 *  R1    1001  200 220 260 1300        5 / 3 / 5                     20 / 22   first chunk is role-only
 *  R2    1510  80                      – / 1 / 8                     30 / –
 *  R3    2004  400 450 500             5 / 5 / 5, per chunk 2 2 1    40 / –
 *  F4    2500  failed (http)
 *  F5    3001  failed (timeout)
 */
const HAND_RUN: RequestRecord[] = [
  completed({
    index: 0, scheduledMs: 500, sentMs: 502, chunkMs: [100, 150, 210, 300],
    outputTokens: 4, clientOutputTokens: 4, requestedOutputTokens: 4, promptTokens: 10, serverPromptTokens: 10,
  }),
  completed({
    index: 1, scheduledMs: 1000, sentMs: 1001, chunkMs: [200, 220, 260, 1300], ttftContentMs: 220,
    outputTokens: 5, clientOutputTokens: 3, requestedOutputTokens: 5, promptTokens: 20, serverPromptTokens: 22,
  }),
  completed({
    index: 2, scheduledMs: 1500, sentMs: 1510, chunkMs: [80],
    outputTokens: null, clientOutputTokens: 1, requestedOutputTokens: 8, promptTokens: 30,
  }),
  completed({
    index: 3, scheduledMs: 2000, sentMs: 2004, chunkMs: [400, 450, 500], chunkTokens: [2, 2, 1],
    outputTokens: 5, clientOutputTokens: 5, requestedOutputTokens: 5, promptTokens: 40,
  }),
  failed(4, "http", 2500, 2500),
  failed(5, "timeout", 3001, 3000),
];

describe("computeServeMetrics on a hand-computed run", () => {
  // p50 beside the default percentiles, to check it against numpy too.
  const metrics = metricsOf(HAND_RUN, { durationS: 4, targetRate: 2, clientStats: { event_loop_delay_p99_ms: 1.5 }, selectedPercentiles: [50, 90, 95, 99] });

  it("counts requests and tokens of completed requests only", () => {
    expect(metrics.duration).toBe(4);
    expect(metrics.completed).toBe(4);
    expect(metrics.failed).toBe(2);
    expect(metrics.total_input_tokens).toBe(100); // 10 + 20 + 30 + 40
    expect(metrics.total_output_tokens).toBe(15); // 4 + 5 + 1 (client fallback) + 5
    expect(metrics.request_throughput).toBe(1); // 4 / 4 s
    expect(metrics.output_throughput).toBe(3.75); // 15 / 4
    expect(metrics.total_token_throughput).toBe(28.75); // (100 + 15) / 4
    expect(metrics.request_goodput).toBeNull(); // no SLO given
    expect(metrics.output_tokens_source).toBe("mixed"); // R2 had no server usage
  });

  it("computes TTFT from the first chunk", () => {
    // samples 100, 200, 80, 400 → sorted 80 100 200 400
    expect(metrics.mean_ttft_ms).toBe(195); // 780 / 4
    expect(metrics.median_ttft_ms).toBe(150); // (100 + 200) / 2
    // deviations −115 −95 5 205 → squares 13225 + 9025 + 25 + 42025 = 64300; √(64300 / 4)
    expect(metrics.std_ttft_ms).toBeCloseTo(Math.sqrt(16075), 10);
    expect(metrics.p50_ttft_ms).toBe(150);
    expect(metrics.p90_ttft_ms).toBe(340.00000000000006); // rank 2.7 → 200 + 0.7 · 200, numpy's bits
    expect(metrics.p95_ttft_ms).toBe(369.99999999999994); // rank 2.85 → 200 + 0.85 · 200
    expect(metrics.p99_ttft_ms).toBe(393.99999999999994); // rank 2.97 → 200 + 0.97 · 200
  });

  it("computes TPOT per request, skipping the single-token request", () => {
    // R0 (300 − 100) / 3 = 66.67; R1 (1300 − 200) / 4 = 275; R3 (500 − 400) / 4 = 25; R2 has 1 token
    expect(metrics.mean_tpot_ms).toBeCloseTo((200 / 3 + 275 + 25) / 3, 10); // 122.22
    expect(metrics.median_tpot_ms).toBeCloseTo(200 / 3, 12);
    expect(metrics.std_tpot_ms).toBeCloseTo(109.36122047238626, 10); // numpy.std
    expect(metrics.p90_tpot_ms).toBe(233.33333333333334); // rank 1.8 → 66.67 + 0.8 · 208.33
    expect(metrics.p99_tpot_ms).toBe(270.8333333333333); // rank 1.98 → 66.67 + 0.98 · 208.33
  });

  it("pools every chunk gap into ITL", () => {
    // R0 50 60 90; R1 20 40 1040; R3 50 50 → sorted 20 40 50 50 50 60 90 1040, sum 1400
    expect(metrics.mean_itl_ms).toBe(175); // 1400 / 8
    expect(metrics.median_itl_ms).toBe(50);
    expect(metrics.std_itl_ms).toBeCloseTo(327.4522866006588, 10);
    expect(metrics.p90_itl_ms).toBe(374.99999999999983); // rank 6.3 → 90 + 0.3 · 950
    expect(metrics.p95_itl_ms).toBe(707.4999999999995); // rank 6.65 → 90 + 0.65 · 950
    expect(metrics.p99_itl_ms).toBe(973.4999999999998); // rank 6.93 → 90 + 0.93 · 950
  });

  it("computes E2EL from the last chunk", () => {
    // 300 1300 80 500 → sorted 80 300 500 1300
    expect(metrics.mean_e2el_ms).toBe(545); // 2180 / 4
    expect(metrics.median_e2el_ms).toBe(400); // (300 + 500) / 2
    expect(metrics.std_e2el_ms).toBeCloseTo(460.51601492239115, 10);
    expect(metrics.p99_e2el_ms).toBe(1275.9999999999998); // rank 2.97 → 500 + 0.97 · 800
  });

  it("computes TTFT to the first content", () => {
    // 100 220 80 400 → sorted 80 100 220 400
    expect(metrics.mean_ttft_content_ms).toBe(200);
    expect(metrics.median_ttft_content_ms).toBe(160);
    expect(metrics.p90_ttft_content_ms).toBe(346); // rank 2.7 → 220 + 0.7 · 180
  });

  it("finds the peak tokens (not chunks) per second and the per-second concurrency", () => {
    // Buckets start at the first completed send (502): [502, 1502) [1502, 2502) [2502, 3502) …
    // bucket 0: R0 4 chunks × 1 token + R1 1221 and 1261 (1 each; its role-only chunk carries 0) = 6
    // bucket 1: R1 2301 (1 + usage surplus 5 − 3 = 3) + R2 1590 (1) + R3 2404, 2454 (2 + 2) = 8
    // bucket 2: R3 2504 (1). Counting chunks instead would make bucket 0 the peak with 7.
    expect(metrics.max_output_tokens_per_s).toBe(8);
    // R0 spans bucket 0; R1 buckets 0–1; R2 bucket 1; R3 buckets 1–2 → bucket 1 holds 3
    expect(metrics.max_concurrent_requests).toBe(3);
    // In-flight intervals [502,802) [1001,2301) [1510,1590) [2004,2504): never more than 2 at once
    expect(metrics.peak_concurrent_requests).toBe(2);
  });

  it("reports pacing: target, achieved rate and send lag", () => {
    expect(metrics.target_request_rate).toBe(2);
    // Every request here was written to its connection as it was handed over, and reached the server.
    expect(metrics.achieved_request_rate).toBeCloseTo(6 / 3.001, 12); // 6 requests, the last written at 3001 ms
    expect(metrics.dispatched_request_rate).toBeCloseTo(6 / 3.001, 12);
    expect(metrics.connection_wait_max_ms).toBe(0);
    expect(metrics.connection_failures).toBe(0);
    expect(metrics.client_bottleneck).toBe(false);
    // lags 2 1 10 4 0 1, failed sends included → sorted 0 1 1 2 4 10
    expect(metrics.send_lag_p50_ms).toBe(1.5); // rank 2.5
    expect(metrics.send_lag_p99_ms).toBe(9.700000000000001); // rank 4.95 → 4 + 0.95 · 6
    expect(metrics.send_lag_max_ms).toBe(10);
  });

  it("reports Little's law, length mismatches, usage discrepancies, errors and client stats", () => {
    expect(metrics.littles_law_concurrency).toBe(0.545); // 2.18 s of E2EL / 4 s
    expect(metrics.osl_mismatch_count).toBe(1); // R2: 1 token for 8 asked
    // output: R1 server 5 vs client 3; prompt: R1 server 22 vs data set 20
    expect(metrics.usage_discrepancy).toEqual({
      requests: 1,
      total_abs_diff: 2,
      prompt_requests: 1,
      prompt_total_abs_diff: 2,
    });
    expect(metrics.errors_by_kind).toEqual({ http: 1, timeout: 1 });
    expect(metrics.client).toEqual({ event_loop_delay_p99_ms: 1.5 });
  });

  it("writes vLLM's keys first, in vLLM's order, then kitt's", () => {
    expect(Object.keys(metrics)).toEqual([
      "duration", "completed", "failed", "total_input_tokens", "total_output_tokens",
      "request_throughput", "request_goodput", "output_throughput", "total_token_throughput",
      "max_output_tokens_per_s", "max_concurrent_requests",
      ...["ttft", "tpot", "itl", "e2el", "ttft_content"].flatMap((name) => [
        `mean_${name}_ms`, `median_${name}_ms`, `std_${name}_ms`,
        `p50_${name}_ms`, `p90_${name}_ms`, `p95_${name}_ms`, `p99_${name}_ms`,
      ]),
      "output_tokens_source", "target_request_rate", "achieved_request_rate", "dispatched_request_rate",
      "send_lag_p50_ms", "send_lag_p99_ms", "send_lag_max_ms",
      "connection_wait_p50_ms", "connection_wait_p99_ms", "connection_wait_max_ms", "connection_failures",
      "client_bottleneck", "client_bottleneck_reasons", "littles_law_concurrency",
      "peak_concurrent_requests", "osl_mismatch_count", "usage_discrepancy", "errors_by_kind", "client",
    ]);
  });
});

describe("computeServeMetrics options", () => {
  it("computes goodput: a request is good only when every SLO holds", () => {
    // ttft ≤ 250 and tpot ≤ 100: R0 (100, 66.7) good; R1 tpot 275 bad; R2 (80, no TPOT → 0) good;
    // R3 ttft 400 bad → 2 good / 4 s
    expect(metricsOf(HAND_RUN, { durationS: 4, goodputSlo: { ttft: 250, tpot: 100 } }).request_goodput).toBe(0.5);
    // e2el ≤ 500: R0 300, R2 80, R3 500 (equal passes) good; R1 1300 bad → 3 / 4
    expect(metricsOf(HAND_RUN, { durationS: 4, goodputSlo: { e2el: 500 } }).request_goodput).toBe(0.75);
    // An SLO object without any objective is no SLO.
    expect(metricsOf(HAND_RUN, { durationS: 4, goodputSlo: {} }).request_goodput).toBeNull();
  });

  it("formats percentile keys like vLLM: p99, p99.9", () => {
    const metrics = metricsOf(HAND_RUN, { durationS: 4, selectedPercentiles: [99.9, 25] });
    expect(metrics["p99.9_ttft_ms"]).toBe(399.4000000000001); // numpy.percentile(…, 99.9)
    expect(metrics.p25_itl_ms).toBe(47.5); // rank 1.75 → 40 + 0.75 · 10
    expect(metrics).not.toHaveProperty("p99_ttft_ms");
  });

  it("writes an unpaced target rate as vLLM does, and none without a target", () => {
    expect(metricsOf(HAND_RUN, { durationS: 4, targetRate: Infinity }).target_request_rate).toBe("inf");
    expect(metricsOf(HAND_RUN, { durationS: 4 }).target_request_rate).toBeNull();
    expect(metricsOf(HAND_RUN, { durationS: 4 }).client).toBeNull();
  });

  it("rejects a bad duration, percentile or SLO", () => {
    expect(() => metricsOf(HAND_RUN, { durationS: Number.NaN })).toThrow(KittError);
    expect(() => metricsOf(HAND_RUN, { durationS: -1 })).toThrow(/duration/);
    expect(() => metricsOf(HAND_RUN, { durationS: 4, selectedPercentiles: [101] })).toThrow(/outside/);
    expect(() => metricsOf(HAND_RUN, { durationS: 4, goodputSlo: { ttft: -5 } })).toThrow(/SLO/);
  });
});

describe("computeServeMetrics edge cases", () => {
  const base = { index: 0, sentMs: 0, clientOutputTokens: 0, requestedOutputTokens: 2, promptTokens: 5 };

  it("takes no TPOT sample from requests with 0 or 1 output tokens", () => {
    const metrics = metricsOf(
      [
        completed({ ...base, chunkMs: [40], outputTokens: 1 }),
        completed({ ...base, index: 1, chunkMs: [30, 35], ttftContentMs: null, outputTokens: 0 }),
      ],
      { durationS: 1 },
    );
    expect(metrics.mean_tpot_ms).toBeNull();
    expect(metrics.p99_tpot_ms).toBeNull();
    expect(metrics.mean_itl_ms).toBe(5); // the two-chunk request still has a chunk gap
    expect(metrics.mean_ttft_content_ms).toBe(40); // the request without content has no sample
    expect(metrics.max_output_tokens_per_s).toBe(1);
  });

  it("reports null statistics, not NaN, when every request failed", () => {
    const metrics = metricsOf([failed(0, "connection", 0, 0), failed(1, "connection", 10, 10), failed(2, "stream", 20)], {
      durationS: 2,
      goodputSlo: { ttft: 100 },
    });
    expect(metrics).toMatchObject({
      completed: 0,
      failed: 3,
      total_input_tokens: 0,
      total_output_tokens: 0,
      request_throughput: 0,
      request_goodput: 0,
      output_throughput: 0,
      max_output_tokens_per_s: 0,
      max_concurrent_requests: 0,
      peak_concurrent_requests: 0,
      mean_ttft_ms: null,
      std_ttft_ms: null,
      p99_itl_ms: null,
      median_e2el_ms: null,
      output_tokens_source: null,
      littles_law_concurrency: 0,
      send_lag_max_ms: 0,
      errors_by_kind: { connection: 2, stream: 1 },
    });
    expect(JSON.stringify(metrics)).not.toContain("NaN");
  });

  it("reports an empty run without NaN", () => {
    const metrics = metricsOf([], { durationS: 0, targetRate: 10 });
    expect(metrics).toMatchObject({
      duration: 0,
      completed: 0,
      failed: 0,
      request_throughput: null,
      output_throughput: null,
      littles_law_concurrency: null,
      achieved_request_rate: null,
      send_lag_p50_ms: null,
      mean_e2el_ms: null,
      max_output_tokens_per_s: 0,
      errors_by_kind: {},
    });
    expect(Object.values(metrics).some((value) => typeof value === "number" && Number.isNaN(value))).toBe(false);
  });

  it("says the output counts came from the client when no request had server usage", () => {
    const record = completed({ ...base, chunkMs: [10, 20], outputTokens: null, clientOutputTokens: 2 });
    const metrics = metricsOf([record], { durationS: 1 });
    expect(metrics.output_tokens_source).toBe("client");
    expect(metrics.total_output_tokens).toBe(2);
    expect(metrics.usage_discrepancy.requests).toBe(0);
  });
});

describe("ServeMetrics", () => {
  it("is plain JSON that a benchmark outcome can carry as its metrics", () => {
    const metrics: Metrics = metricsOf(HAND_RUN, { durationS: 4, clientStats: { cpu_percent: 31 } });
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
  });
});
