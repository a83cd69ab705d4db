/**
 * Prompts longer than the context the engine reports, on emulated engines with a 32-token
 * context (`max_model_len`): by default every item is scored with its prompt cut from the left
 * and the cut prompts are counted, for each way of asking (log-likelihood token ids on vLLM and
 * SGLang, top-k letters, generation); with `truncate: never` the prompts go out whole and those
 * items fail with the engine's own message.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Benchmark } from "../../../src/bench/types.js";
import { prepareEngine } from "../../../src/engines/launch.js";
import type { ManagedEngine } from "../../../src/engines/managed-engine.js";
import { startEmulator, type RunningEmulator } from "../../emulators/index.mjs";
import { FIXTURES } from "../fixture-paths.js";
import { qualityBenchmark } from "../../../src/bench/quality/quality-benchmark.js";
import { gsm8kSpec } from "../../../src/quality/tasks/gsm8k/spec.js";
import { mmluSpec } from "../../../src/quality/tasks/mmlu/spec.js";

const mmluBenchmark = qualityBenchmark(mmluSpec);
const gsm8kBenchmark = qualityBenchmark(gsm8kSpec);

const CONTEXT = 32;
const savedHome = process.env.KITT_HOME;

beforeAll(() => {
  process.env.KITT_HOME = mkdtempSync(join(tmpdir(), "kitt-emulated-cut-"));
});
afterAll(() => {
  if (savedHome === undefined) delete process.env.KITT_HOME;
  else process.env.KITT_HOME = savedHome;
});

const CASES = [
  { engine: "vllm", benchmark: mmluBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "mmlu"), shots: 1 }, method: "loglikelihood", refusal: /maximum context length is 32 tokens/ },
  { engine: "sglang", benchmark: mmluBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "mmlu"), shots: 1 }, method: "loglikelihood", refusal: /longer than the model's context length \(32 tokens\)/ },
  { engine: "vllm", benchmark: mmluBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "mmlu"), shots: 1, method: "top_k_letters" }, method: "top_k_letters", refusal: /maximum context length is 32 tokens/ },
  { engine: "vllm", benchmark: gsm8kBenchmark as Benchmark, config: { data_dir: join(FIXTURES, "gsm8k"), shots: 2, max_gen_tokens: 8 }, method: "generation", refusal: /maximum context length is 32 tokens/ },
] as const;

describe.each(CASES)("$method on the $engine emulator with a 32-token context", ({ engine: name, benchmark, config, method, refusal }) => {
  let emulator: RunningEmulator;
  let engine: ManagedEngine;
  beforeAll(async () => {
    emulator = await startEmulator(name, { model: "tiny", tokenDelayMs: 0, maxModelLen: CONTEXT });
    await emulator.ready;
    ({ engine } = await prepareEngine({ engine: name, url: emulator.url, model: "tiny" }));
    await engine.start();
  });
  afterAll(async () => {
    await engine.terminate();
    await emulator.close();
  });

  const run = (settings: Record<string, unknown>) =>
    benchmark.run({ engine, config: benchmark.configSchema.parse({ ...config, ...settings }), signal: new AbortController().signal, warmup: false, onProgress: () => {} });

  it("scores every item by default, the long prompts cut from the left and counted", async () => {
    const outcome = await run({});
    expect(outcome.errors).toEqual([]);
    expect(outcome.passed).toBe(true);
    expect(outcome.metrics).toMatchObject({ method, truncate: "left", request_context: CONTEXT, failed: 0 });
    expect(outcome.metrics.truncated_prompts).toBeGreaterThan(0);
    expect(outcome.metrics.truncated_prompts).toBeLessThanOrEqual(outcome.metrics.n as number);
  });

  it("with truncate: never, sends them whole: those items fail with the engine's message", async () => {
    const outcome = await run({ truncate: "never" });
    expect(outcome.passed).toBe(false);
    expect(outcome.metrics).toMatchObject({ truncate: "never", truncated_prompts: 0 });
    expect(outcome.metrics.failed).toBeGreaterThan(0);
    expect(outcome.errors.join("\n")).toMatch(refusal);
  });
});
