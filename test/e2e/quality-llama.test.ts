/**
 * The four quality tasks end to end on the real llama-server with the tiny random-weight model,
 * started natively: MMLU by top-k letters, TruthfulQA and HellaSwag by their lettered fallback,
 * GSM8K by generation. A random model scores near chance (bounds are wide: it may never put a
 * letter in its top 20, which scores 0). MMLU, GSM8K and TruthfulQA come from
 * KITT_DATASETS_DIR, HellaSwag from a hand-made fixture. Skipped without llama-server or the data
 * sets locally; fails without them in CI.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Benchmark, BenchmarkOutcome } from "../../src/bench/types.js";
import { prepareEngine } from "../../src/engines/launch.js";
import type { ManagedEngine } from "../../src/engines/managed-engine.js";
import { ensureTestModel, freePort, requireLlamaServer, requireQualityData } from "../support/llama.js";
import { qualityBenchmark } from "../../src/bench/quality/quality-benchmark.js";
import { gsm8kSpec } from "../../src/quality/tasks/gsm8k/spec.js";
import { hellaswagSpec } from "../../src/quality/tasks/hellaswag/spec.js";
import { mmluSpec } from "../../src/quality/tasks/mmlu/spec.js";
import { truthfulqaSpec } from "../../src/quality/tasks/truthfulqa/spec.js";

const mmluBenchmark = qualityBenchmark(mmluSpec);
const gsm8kBenchmark = qualityBenchmark(gsm8kSpec);
const truthfulqaBenchmark = qualityBenchmark(truthfulqaSpec);
const hellaswagBenchmark = qualityBenchmark(hellaswagSpec);

const HELLASWAG_TINY = fileURLToPath(new URL("../fixtures/quality/hellaswag-tiny/", import.meta.url));

const install = await requireLlamaServer();
const datasets = install === undefined ? undefined : requireQualityData("mmlu", "gsm8k", "truthfulqa");

describe.skipIf(install === undefined || datasets === undefined)("quality tasks on llama-server with the tiny model", () => {
  let engine: ManagedEngine;
  const home = process.env.KITT_HOME;

  beforeAll(async () => {
    process.env.KITT_HOME = mkdtempSync(join(tmpdir(), "kitt-quality-e2e-"));
    const model = await ensureTestModel();
    // Two slots of 4,096 tokens each, enough for 5-shot GSM8K prompts.
    const prepared = await prepareEngine({ engine: "llama_cpp", runtime: "native", model, port: await freePort(), engineArgs: ["-c", "8192", "-np", "2"] });
    engine = prepared.engine;
    await engine.start();
  });

  afterAll(async () => {
    await engine?.terminate();
    if (home === undefined) delete process.env.KITT_HOME;
    else process.env.KITT_HOME = home;
  });

  async function run<S extends Benchmark["configSchema"]>(benchmark: Benchmark<S>, config: Record<string, unknown>): Promise<BenchmarkOutcome> {
    const outcome = await benchmark.run({
      engine,
      config: benchmark.configSchema.parse({ concurrency: 2, ...config }),
      signal: new AbortController().signal,
      onProgress: () => undefined,
      warmup: false,
    });
    expect(outcome.errors).toEqual([]);
    expect(outcome.passed).toBe(true);
    return outcome;
  }

  it("MMLU: top-k letters over two subjects, per subject and category", { timeout: 120_000 }, async () => {
    const { metrics } = await run(mmluBenchmark, { shots: 1, subjects: ["astronomy", "marketing"], limit: 4 });
    expect(metrics).toMatchObject({ task: "mmlu_1shot", method: "top_k_letters", prompt: "harness", n: 8 });
    expect(metrics.acc).toBeGreaterThanOrEqual(0);
    expect(metrics.acc).toBeLessThanOrEqual(0.75);
    expect(Object.keys(metrics.per_subject as object)).toEqual(["astronomy", "marketing"]);
    expect(Object.keys(metrics.per_category as object).sort()).toEqual(["other", "stem"]);
  });

  it("MMLU over every subject scores near chance with a random model", { timeout: 180_000 }, async () => {
    // 114 questions; at chance (25 %) the score's standard deviation is about 4 points, so this
    // band is ±4 sd. A model whose letters never reach the top-k would score 0 and fail here.
    const { metrics } = await run(mmluBenchmark, { shots: 0, limit: 2 });
    expect(metrics).toMatchObject({ method: "top_k_letters", n: 114 });
    expect(metrics.acc).toBeGreaterThan(0.08);
    expect(metrics.acc).toBeLessThan(0.42);
  });

  it("GSM8K: 5-shot greedy generation", { timeout: 120_000 }, async () => {
    const { metrics } = await run(gsm8kBenchmark, { limit: 3, max_gen_tokens: 32 });
    expect(metrics).toMatchObject({ task: "gsm8k", method: "generation", prompt: "harness", n: 3 });
    expect(metrics.exact_match_strict).toBeLessThanOrEqual(0.34);
    expect(metrics.exact_match_flexible).toBeLessThanOrEqual(0.34);
  });

  it("TruthfulQA: the lettered fallback, never mc1/mc2", { timeout: 120_000 }, async () => {
    const { metrics } = await run(truthfulqaBenchmark, { limit: 8 });
    expect(metrics).toMatchObject({ task: "truthfulqa_mc", method: "top_k_letters", prompt: "lettered", n: 8 });
    expect(metrics.lettered_acc).toBeLessThanOrEqual(0.75);
    expect(metrics).not.toHaveProperty("mc1");
    expect(metrics).not.toHaveProperty("mc2");
  });

  it("HellaSwag: the lettered fallback on the tiny fixture, 2-shot", { timeout: 120_000 }, async () => {
    const { metrics } = await run(hellaswagBenchmark, { data_dir: HELLASWAG_TINY, shots: 2 });
    expect(metrics).toMatchObject({ task: "hellaswag_2shot", method: "top_k_letters", prompt: "lettered", n: 6 });
    expect(metrics.lettered_acc).toBeLessThanOrEqual(0.75);
    expect(metrics).not.toHaveProperty("acc_norm");
  });
});
