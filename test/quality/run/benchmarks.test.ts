/**
 * The four benchmarks on engine endpoints, through `Benchmark.run`: each picks the method the
 * engine allows and labels its numbers with it (log-likelihood on vLLM, top-k letters and
 * lettered fallbacks on llama.cpp, generation for GSM8K on the vLLM emulator), reports progress
 * with an ETA, and refuses a method the engine cannot give.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUALITY_BENCHMARKS } from "../../../src/bench/quality/index.js";
import { BUILTIN_BENCHMARKS } from "../../../src/bench/registry.js";
import type { Benchmark, ProgressEvent } from "../../../src/bench/types.js";
import { benchmarkConfig, parseSuite } from "../../../src/bench/suite.js";
import { prepareEngine } from "../../../src/engines/launch.js";
import type { ManagedEngine } from "../../../src/engines/managed-engine.js";
import { startEmulator, type RunningEmulator } from "../../emulators/index.mjs";
import { startFakeLogprobServer, type FakeLogprobServer } from "../engine/fake-logprob-server.js";
import { FIXTURES } from "../fixture-paths.js";
import { qualityBenchmark } from "../../../src/bench/quality/quality-benchmark.js";
import { gsm8kSpec } from "../../../src/quality/tasks/gsm8k/spec.js";
import { hellaswagSpec } from "../../../src/quality/tasks/hellaswag/spec.js";
import { mmluSpec } from "../../../src/quality/tasks/mmlu/spec.js";
import { truthfulqaSpec } from "../../../src/quality/tasks/truthfulqa/spec.js";

const mmluBenchmark = qualityBenchmark(mmluSpec);
const gsm8kBenchmark = qualityBenchmark(gsm8kSpec);
const truthfulqaBenchmark = qualityBenchmark(truthfulqaSpec);
const hellaswagBenchmark = qualityBenchmark(hellaswagSpec);

let server: FakeLogprobServer;
let emulator: RunningEmulator;
const engines = new Map<string, ManagedEngine>();
const home = process.env.KITT_HOME;

beforeAll(async () => {
  process.env.KITT_HOME = mkdtempSync(join(tmpdir(), "kitt-quality-bench-"));
  server = await startFakeLogprobServer();
  emulator = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 0 });
  await emulator.ready;
  for (const [name, url] of [
    ["vllm", server.url],
    ["llama_cpp", server.url],
    ["emulated-vllm", emulator.url],
  ] as const) {
    const { engine } = await prepareEngine({ engine: name === "emulated-vllm" ? "vllm" : name, url, model: "tiny" });
    await engine.start();
    engines.set(name, engine);
  }
});

afterAll(async () => {
  for (const engine of engines.values()) await engine.terminate();
  await server[Symbol.asyncDispose]();
  await emulator.close();
  if (home === undefined) delete process.env.KITT_HOME;
  else process.env.KITT_HOME = home;
});

async function run<S extends Benchmark["configSchema"]>(benchmark: Benchmark<S>, engine: string, config: Record<string, unknown>, progress: ProgressEvent[] = []) {
  return benchmark.run({
    engine: engines.get(engine)!,
    config: benchmark.configSchema.parse(config),
    signal: new AbortController().signal,
    onProgress: (event) => progress.push(event),
    warmup: false,
  });
}

const dataDir = (task: string) => join(FIXTURES, task);

describe("quality benchmarks", () => {
  it("MMLU: log-likelihood acc on vLLM, top-k letter acc on llama.cpp, each labelled, with progress and an ETA", async () => {
    const progress: ProgressEvent[] = [];
    const vllm = await run(mmluBenchmark, "vllm", { data_dir: dataDir("mmlu"), shots: 1 }, progress);
    expect(vllm).toMatchObject({ passed: true, errors: [], warmupTimes: [] });
    expect(vllm.metrics).toMatchObject({ task: "mmlu_1shot", method: "loglikelihood", prompt: "harness", n: 3, restored: 0, evaluated: 3 });
    expect(vllm.metrics.acc).toBeTypeOf("number");
    expect(Object.keys(vllm.metrics.per_subject as object)).toEqual(["astronomy", "world_religions"]);
    expect(progress.at(-1)).toMatchObject({ phase: "measure", completed: 3, total: 3 });
    expect(progress.some((event) => /mmlu_1shot \(loglikelihood\), about \d+s left/.test(event.message ?? ""))).toBe(true);

    const llama = await run(mmluBenchmark, "llama_cpp", { data_dir: dataDir("mmlu"), shots: 1, subjects: ["astronomy"], limit: 1 });
    expect(llama.metrics).toMatchObject({ method: "top_k_letters", n: 1, acc_stderr: null });
    // The fake engine always puts " B" first.
    expect(llama.metrics.per_subject).toEqual({ astronomy: { n: 1, acc: expect.any(Number), acc_stderr: null } });
    // llama.cpp: every letter token, spaced and not, gets the same bias; probabilities after sampling.
    const letterRequest = server.requests.filter((r) => r.path === "/completion").at(-1)?.body;
    expect(letterRequest).toMatchObject({ post_sampling_probs: true, temperature: 1, top_k: 0, top_p: 1, min_p: 0 });
    const biases = letterRequest?.logit_bias as Array<[number, number]>;
    expect(biases).toHaveLength(8);
    expect(new Set(biases.map(([, bias]) => bias))).toEqual(new Set([100]));
  });

  it("TruthfulQA and HellaSwag: mc1/mc2 and acc/acc_norm on vLLM; lettered_acc on llama.cpp, never beside them", async () => {
    const tqa = await run(truthfulqaBenchmark, "vllm", { data_dir: dataDir("truthfulqa") });
    expect(tqa.metrics).toMatchObject({ task: "truthfulqa_mc", method: "loglikelihood", prompt: "harness", n: 2 });
    expect(Object.keys(tqa.metrics)).toEqual(expect.arrayContaining(["mc1", "mc1_stderr", "mc2", "mc2_stderr"]));
    const tqaLettered = await run(truthfulqaBenchmark, "llama_cpp", { data_dir: dataDir("truthfulqa") });
    expect(tqaLettered.metrics).toMatchObject({ method: "top_k_letters", prompt: "lettered", lettered_acc: expect.any(Number) });
    expect(tqaLettered.metrics).not.toHaveProperty("mc1");

    const hs = await run(hellaswagBenchmark, "vllm", { data_dir: dataDir("hellaswag"), shots: 2 });
    expect(hs.metrics).toMatchObject({ task: "hellaswag_2shot", method: "loglikelihood", acc: expect.any(Number), acc_norm: expect.any(Number) });
    const hsLettered = await run(hellaswagBenchmark, "llama_cpp", { data_dir: dataDir("hellaswag"), shots: 0 });
    expect(hsLettered.metrics).toMatchObject({ task: "hellaswag", method: "top_k_letters", prompt: "lettered" });
    expect(hsLettered.metrics).not.toHaveProperty("acc_norm");
  });

  it("GSM8K and forced lettered generation on the vLLM emulator", async () => {
    const gsm = await run(gsm8kBenchmark, "emulated-vllm", { data_dir: dataDir("gsm8k"), shots: 2, max_gen_tokens: 16 });
    expect(gsm).toMatchObject({ passed: true });
    expect(gsm.metrics).toMatchObject({ task: "gsm8k", method: "generation", n: 2, exact_match_strict: 0, exact_match_flexible: expect.any(Number) });
    const forced = await run(truthfulqaBenchmark, "emulated-vllm", { data_dir: dataDir("truthfulqa"), method: "lettered_generation" });
    expect(forced.metrics).toMatchObject({ method: "lettered_generation", prompt: "lettered", n: 2 });
  });

  it("record the lm-evaluation-harness release they follow, as the README states it, beside the method and data source", async () => {
    const outcomes = [
      await run(mmluBenchmark, "vllm", { data_dir: dataDir("mmlu"), shots: 0 }),
      await run(mmluBenchmark, "llama_cpp", { data_dir: dataDir("mmlu"), shots: 0 }),
      await run(truthfulqaBenchmark, "vllm", { data_dir: dataDir("truthfulqa") }),
      await run(hellaswagBenchmark, "vllm", { data_dir: dataDir("hellaswag"), shots: 0 }),
      await run(gsm8kBenchmark, "emulated-vllm", { data_dir: dataDir("gsm8k"), shots: 0, max_gen_tokens: 4 }),
    ];
    for (const { metrics } of outcomes) {
      expect(metrics).toMatchObject({ harness_version: "0.4.12", method: expect.any(String), data_source: expect.any(String) });
    }
    expect(readFileSync(join(process.cwd(), "README.md"), "utf8")).toContain("lm-evaluation-harness v0.4.12");
  });

  it("refuses a method the engine cannot give, before asking it anything", async () => {
    const before = server.requests.length;
    await expect(run(mmluBenchmark, "llama_cpp", { data_dir: dataDir("mmlu"), method: "loglikelihood" })).rejects.toThrow(/needs prompt log-probabilities/);
    expect(server.requests.length).toBe(before);
  });
});

describe("the quality suite", () => {
  it("loads with the four benchmarks registered, each with its defaults", () => {
    for (const benchmark of QUALITY_BENCHMARKS) expect(BUILTIN_BENCHMARKS.get(benchmark.name)).toBe(benchmark);
    const file = join(process.cwd(), "configs", "suites", "quality.yaml");
    const suite = parseSuite(readFileSync(file, "utf8"), file);
    expect(suite.tests.map((test) => test.name)).toEqual(["mmlu", "gsm8k", "truthfulqa", "hellaswag"]);
    expect(benchmarkConfig(mmluBenchmark, suite)).toMatchObject({ shots: 5, resume: false, top_k: 20, warmup_iterations: 0 });
    // No concurrency: each engine's own busyConcurrency applies.
    expect(benchmarkConfig(mmluBenchmark, suite).concurrency).toBeUndefined();
    expect(benchmarkConfig(hellaswagBenchmark, suite)).toMatchObject({ shots: 10 });
    expect(QUALITY_BENCHMARKS.every((benchmark) => benchmark.category === "quality")).toBe(true);
  });

  it("takes truncate and add_bos_token like any setting, and points at a bad value", () => {
    expect(benchmarkConfig(mmluBenchmark, parseSuite("suite_name: s\ntests: [mmlu]\n", "s.yaml"))).toMatchObject({ truncate: "left", add_bos_token: false });
    const suite = parseSuite("suite_name: s\ntests: [mmlu]\ntest_overrides:\n  mmlu: {truncate: never, add_bos_token: true}\n", "s.yaml");
    expect(benchmarkConfig(mmluBenchmark, suite)).toMatchObject({ truncate: "never", add_bos_token: true });
    expect(() => parseSuite("suite_name: s\ntests:\n  - name: mmlu\n    truncate: sometimes\n", "s.yaml")).toThrow(/^s\.yaml:4:5 tests\[0\]\.truncate: .*"left".*"never"/);
  });
});
