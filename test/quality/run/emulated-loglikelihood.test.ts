/**
 * The log-likelihood tasks end to end on the three engines with prompt log-probabilities, each
 * emulated over its own route and shape (vLLM: echoed `/v1/completions`, batched; SGLang: native
 * `/generate` with `input_token_logprobs`, batched; TGI: `/generate` with `decoder_input_details`,
 * one continuation per request). vLLM and SGLang are sent token ids, TGI text; the emulators give
 * the same prompt tokens the same value on every engine, so kitt must reach the same scores
 * through all three.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Benchmark, Metrics } from "../../../src/bench/types.js";
import { prepareEngine } from "../../../src/engines/launch.js";
import type { ManagedEngine } from "../../../src/engines/managed-engine.js";
import { startEmulator, type RunningEmulator } from "../../emulators/index.mjs";
import { FIXTURES } from "../fixture-paths.js";
import { qualityBenchmark } from "../../../src/bench/quality/quality-benchmark.js";
import { hellaswagSpec } from "../../../src/quality/tasks/hellaswag/spec.js";
import { mmluSpec } from "../../../src/quality/tasks/mmlu/spec.js";
import { truthfulqaSpec } from "../../../src/quality/tasks/truthfulqa/spec.js";

const mmluBenchmark = qualityBenchmark(mmluSpec);
const truthfulqaBenchmark = qualityBenchmark(truthfulqaSpec);
const hellaswagBenchmark = qualityBenchmark(hellaswagSpec);

const ENGINES = ["vllm", "sglang", "tgi"] as const;
type Name = (typeof ENGINES)[number];

const TASKS = [
  { benchmark: mmluBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "mmlu"), shots: 1 }, scores: ["acc", "per_subject"] },
  { benchmark: truthfulqaBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "truthfulqa") }, scores: ["mc1", "mc2"] },
  { benchmark: hellaswagBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "hellaswag"), shots: 2 }, scores: ["acc", "acc_norm"] },
];

const metricsOf = new Map<string, Metrics>();
const savedHome = process.env.KITT_HOME;

beforeAll(() => {
  process.env.KITT_HOME = mkdtempSync(join(tmpdir(), "kitt-emulated-ll-"));
});
afterAll(() => {
  if (savedHome === undefined) delete process.env.KITT_HOME;
  else process.env.KITT_HOME = savedHome;
});

describe.each(ENGINES)("log-likelihood tasks on the %s emulator", (name: Name) => {
  let emulator: RunningEmulator;
  let engine: ManagedEngine;
  beforeAll(async () => {
    emulator = await startEmulator(name, { model: "tiny", tokenDelayMs: 0 });
    await emulator.ready;
    ({ engine } = await prepareEngine({ engine: name, url: emulator.url, model: "tiny" }));
    await engine.start();
  });
  afterAll(async () => {
    await engine.terminate();
    await emulator.close();
  });

  it.each(TASKS.map((task) => [task.benchmark.name, task] as const))("%s scores by log-likelihood", async (_task, { benchmark, config }) => {
    const outcome = await benchmark.run({
      engine,
      config: benchmark.configSchema.parse(config),
      signal: new AbortController().signal,
      warmup: false,
      onProgress: () => {},
    });
    expect(outcome.errors).toEqual([]);
    expect(outcome.passed).toBe(true);
    expect(outcome.metrics.method).toBe("loglikelihood");
    // vLLM and SGLang get the harness's token ids (no BOS unless add_bos_token); TGI takes text only.
    expect(outcome.metrics).toMatchObject(
      name === "tgi"
        ? { prompt_encoding: "text", add_bos_token: null, request_context: null }
        : { prompt_encoding: "token_ids", add_bos_token: false, request_context: 4096 },
    );
    expect(outcome.metrics).toMatchObject({ truncate: "left", truncated_prompts: 0 });
    expect(outcome.metrics.n).toBeGreaterThan(0);
    // Batching servers get enough documents in flight to fill a batch.
    expect(outcome.metrics.concurrency).toBe(64);
    metricsOf.set(`${name}/${benchmark.name}`, outcome.metrics);
  });
});

describe("the three engines' shapes", () => {
  it.each(TASKS.map((task) => [task.benchmark.name, task] as const))("give the same %s scores", (_task, { benchmark, scores }) => {
    const [first, ...others] = ENGINES.map((name) => metricsOf.get(`${name}/${benchmark.name}`));
    expect(first).toBeDefined();
    for (const key of scores) {
      expect(first![key]).toBeDefined();
      for (const other of others) expect(other?.[key]).toEqual(first![key]);
    }
  });
});
