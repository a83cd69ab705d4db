import { describe, expect, it } from "vitest";
import { throughputBenchmark, throughputConfigSchema, throughputMetrics } from "../../src/bench/throughput.js";
import { THROUGHPUT_PROMPTS } from "../../src/bench/throughput-prompts.js";
import type { ProgressEvent } from "../../src/bench/types.js";
import { KittError } from "../../src/errors.js";
import { result, ScriptedEngine, type Script } from "./scripted-engine.js";

function run(script: Script, settings: Record<string, unknown> = {}, options: { warmup?: boolean; signal?: AbortSignal } = {}) {
  const engine = new ScriptedEngine(script);
  const progress: ProgressEvent[] = [];
  const outcome = throughputBenchmark.run({
    engine,
    config: throughputConfigSchema.parse(settings),
    signal: options.signal ?? new AbortController().signal,
    onProgress: (event) => progress.push(event),
    warmup: options.warmup ?? true,
  });
  return { engine, progress, outcome };
}

/** Warmup calls ask for 10 tokens; measured calls for more. */
const isWarmup = (maxTokens: number) => maxTokens === 10;

describe("throughput", () => {
  it("warms up with 5 short calls, then sends the 5 default prompts with max_tokens 256 and temperature 0", async () => {
    const { engine, outcome } = run(() => result());
    const { warmupTimes } = await outcome;
    expect(engine.requests).toHaveLength(10);
    expect(engine.requests.slice(0, 5).every((r) => r.maxTokens === 10)).toBe(true);
    expect(warmupTimes).toEqual([500, 500, 500, 500, 500]);
    const measured = engine.requests.slice(5);
    expect(measured.map((r) => r.prompt)).toEqual(THROUGHPUT_PROMPTS);
    expect(measured.every((r) => r.maxTokens === 256 && r.temperature === 0)).toBe(true);
  });

  it("computes tokens per second from server token counts over end-to-end time", async () => {
    let measured = 0;
    const { outcome } = run((request) => {
      if (isWarmup(request.maxTokens)) return result();
      measured++;
      return result({ e2eMs: measured * 100, ttftMs: measured * 10, completionTokens: 10, promptTokens: 7 });
    });
    const { metrics, passed, partial, errors } = await outcome;
    expect(passed).toBe(true);
    expect(partial).toBe(false);
    expect(errors).toEqual([]);
    // e2e 100..500 ms with 10 tokens each → 100, 50, 33.3, 25, 20 tokens/s
    expect(metrics.requests).toBe(5);
    expect(metrics.failed_requests).toBe(0);
    expect(metrics.avg_tps).toBeCloseTo((100 + 50 + 100 / 3 + 25 + 20) / 5, 10);
    expect(metrics.min_tps).toBe(20);
    expect(metrics.max_tps).toBe(100);
    expect(metrics.avg_latency_ms).toBe(300);
    expect(metrics.p50_latency_ms).toBe(300);
    // index 4 * 0.99 = 3.96 → 400 + 0.96 * 100, not the maximum
    expect(metrics.p99_latency_ms).toBeCloseTo(496, 10);
    expect(metrics.avg_ttft_ms).toBe(30);
    expect(metrics.p50_ttft_ms).toBe(30);
    expect(metrics.p99_ttft_ms).toBeCloseTo(49.6, 10);
    expect(metrics.total_tokens_generated).toBe(50);
    expect(metrics.total_prompt_tokens).toBe(35);
    expect(metrics.token_source).toBe("server");
    expect(typeof metrics.total_time_seconds).toBe("number");
    expect(metrics.per_request).toHaveLength(5);
    expect((metrics.per_request as unknown[])[0]).toEqual({
      index: 0,
      iteration: 0,
      prompt_index: 0,
      prompt_tokens: 7,
      completion_tokens: 10,
      token_source: "server",
      tokens_per_second: 100,
      latency_ms: 100,
      ttft_ms: 10,
      finish_reason: "length",
    });
  });

  it("counts chunks when the server reports no token count, and says so", async () => {
    let measured = 0;
    const { outcome } = run((request) => {
      if (isWarmup(request.maxTokens)) return result();
      measured++;
      return measured === 1
        ? result({ completionTokens: undefined, tokenSource: "chunks", chunkTimes: [1, 2, 3, 4], e2eMs: 1000 })
        : result();
    });
    const { metrics } = await outcome;
    const first = (metrics.per_request as Array<Record<string, unknown>>)[0];
    expect(first?.token_source).toBe("chunks");
    expect(first?.completion_tokens).toBe(4);
    expect(first?.tokens_per_second).toBe(4);
    expect(metrics.token_source).toBe("mixed");
  });

  it("skips warmup when asked, or when warmup_iterations is 0", async () => {
    const skipped = run(() => result(), {}, { warmup: false });
    expect((await skipped.outcome).warmupTimes).toEqual([]);
    expect(skipped.engine.requests).toHaveLength(5);

    const none = run(() => result(), { warmup_iterations: 0 });
    expect((await none.outcome).warmupTimes).toEqual([]);
    expect(none.engine.requests).toHaveLength(5);
  });

  it("sends every prompt `iterations` times with the configured sampling", async () => {
    const { engine, outcome, progress } = run(() => result(), {
      prompts: ["a", "b"],
      iterations: 3,
      max_tokens: 32,
      temperature: 0.7,
      top_p: 0.9,
      seed: 42,
      warmup_iterations: 1,
    });
    const { metrics } = await outcome;
    const measured = engine.requests.slice(1);
    expect(measured.map((r) => r.prompt)).toEqual(["a", "b", "a", "b", "a", "b"]);
    expect(measured[0]).toMatchObject({ maxTokens: 32, temperature: 0.7, topP: 0.9, seed: 42 });
    expect(engine.requests[0]).toMatchObject({ maxTokens: 10, temperature: 0.7, topP: 0.9, seed: 42 });
    expect((metrics.per_request as Array<{ iteration: number }>).map((r) => r.iteration)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(progress.filter((e) => e.phase === "measure").map((e) => e.completed)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.filter((e) => e.phase === "warmup")).toEqual([{ phase: "warmup", completed: 1, total: 1 }]);
  });

  it("records a failed request and goes on", async () => {
    let measured = 0;
    const { engine, outcome } = run((request) => {
      if (isWarmup(request.maxTokens)) return result();
      if (++measured === 2) throw new KittError("ENGINE_REQUEST_FAILED", "HTTP 500 from the engine");
      return result();
    });
    const { metrics, errors, passed, partial } = await outcome;
    expect(engine.requests).toHaveLength(10);
    expect(metrics.requests).toBe(4);
    expect(metrics.failed_requests).toBe(1);
    expect(errors).toEqual(["request 2/5: HTTP 500 from the engine"]);
    expect(passed).toBe(false);
    expect(partial).toBe(false);
  });

  it("stops when the engine dies and keeps the requests that completed", async () => {
    const death = new KittError("ENGINE_DIED", "engine exited with code 139");
    let measured = 0;
    const { engine, outcome } = run((request) => {
      if (isWarmup(request.maxTokens)) return result();
      if (++measured === 3) throw death;
      return result({ e2eMs: 200 });
    });
    const { metrics, errors, passed, partial, cause } = await outcome;
    expect(engine.requests).toHaveLength(5 + 3);
    expect(partial).toBe(true);
    expect(passed).toBe(false);
    expect(cause).toBe(death);
    expect(errors).toEqual(["request 3/5: engine exited with code 139"]);
    expect(metrics.requests).toBe(2);
    expect(metrics.avg_latency_ms).toBe(200);
    expect(metrics.per_request).toHaveLength(2);
  });

  it("stops when the run is aborted and keeps the requests that completed", async () => {
    const controller = new AbortController();
    let measured = 0;
    const { engine, outcome } = run(
      (request) => {
        if (isWarmup(request.maxTokens)) return result();
        if (++measured === 2) controller.abort(new Error("interrupted by SIGINT"));
        return result();
      },
      {},
      { signal: controller.signal },
    );
    const { metrics, errors, partial, cause } = await outcome;
    expect(engine.requests).toHaveLength(5 + 2);
    expect(partial).toBe(true);
    expect(metrics.requests).toBe(2);
    expect(errors).toEqual(["stopped before request 3/5: interrupted by SIGINT"]);
    expect((cause as Error).message).toBe("interrupted by SIGINT");
  });

  it("throws when warmup fails: nothing was measured", async () => {
    const { outcome } = run(() => {
      throw new KittError("ENGINE_DIED", "engine exited with code 1");
    });
    await expect(outcome).rejects.toMatchObject({ code: "ENGINE_DIED" });
  });

  it("reports null statistics when no request completed", () => {
    const metrics = throughputMetrics([], 3, 1.5);
    expect(metrics).toMatchObject({
      requests: 0,
      failed_requests: 3,
      avg_tps: null,
      p99_latency_ms: null,
      total_tokens_generated: 0,
      total_prompt_tokens: null,
      total_time_seconds: 1.5,
      token_source: null,
      per_request: [],
    });
  });

  it("has defaults for every setting", () => {
    expect(throughputConfigSchema.parse({})).toEqual({
      warmup_iterations: 5,
      warmup_max_tokens: 10,
      prompts: [...THROUGHPUT_PROMPTS],
      iterations: 1,
      max_tokens: 256,
      temperature: 0,
    });
  });
});
