/**
 * GSM8K on the real llama-server with the tiny model (trained on 2,048 tokens), started the way
 * `kitt run` starts it by default: kitt sizes each slot's context for the 5-shot prompts plus 256
 * generated tokens and sends no more documents at once than the engine has slots, so every item is
 * scored. With a context too small for any prompt, the test stops after the first failures with
 * llama-server's own message, and the progress line counts the failures. Skipped without
 * llama-server or the data sets locally; fails without them in CI.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareEngine } from "../../src/engines/launch.js";
import type { ManagedEngine } from "../../src/engines/managed-engine.js";
import { requestCapacity } from "../../src/engines/model-context.js";
import { loadGsm8kData } from "../../src/quality/tasks/gsm8k/dataset.js";
import { createGsm8kTask } from "../../src/quality/tasks/gsm8k/prompts.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer, requireQualityData } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";
import { qualityBenchmark } from "../../src/bench/quality/quality-benchmark.js";
import { gsm8kSpec } from "../../src/quality/tasks/gsm8k/spec.js";

const gsm8kBenchmark = qualityBenchmark(gsm8kSpec);

const GENERATED = 256;

const install = await requireLlamaServer();
const datasets = install === undefined ? undefined : requireQualityData("gsm8k");

describe.skipIf(install === undefined || datasets === undefined)("GSM8K on llama-server as kitt starts it", () => {
  let engine: ManagedEngine;
  const home = process.env.KITT_HOME;

  beforeAll(async () => {
    process.env.KITT_HOME = mkdtempSync(join(tmpdir(), "kitt-quality-context-"));
    // No engine arguments: the context and slots are kitt's own choice.
    const prepared = await prepareEngine({ engine: "llama_cpp", runtime: "native", model: await ensureTestModel(), port: await freePort() });
    engine = prepared.engine;
    await engine.start();
  });

  afterAll(async () => {
    await engine?.terminate();
    if (home === undefined) delete process.env.KITT_HOME;
    else process.env.KITT_HOME = home;
  });

  it("scores every 5-shot item with the default settings, one document per slot", { timeout: 300_000 }, async () => {
    // Each of the 4 slots gets the model's whole trained context.
    expect(await requestCapacity(engine)).toEqual({ context: 2048, slots: 4 });

    const outcome = await gsm8kBenchmark.run({
      engine,
      config: gsm8kBenchmark.configSchema.parse({ limit: 8 }),
      signal: new AbortController().signal,
      onProgress: () => undefined,
      warmup: false,
    });
    expect(outcome.errors).toEqual([]);
    expect(outcome.passed).toBe(true);
    expect(outcome.metrics).toMatchObject({ task: "gsm8k", method: "generation", n: 8, evaluated: 8, failed: 0, concurrency: 4, request_context: 2048 });

    // These prompts with their 256 generated tokens overflow the 4,096 tokens shared by 8 documents
    // in flight that kitt used to give llama-server, and fit a slot of 2,048.
    const { data } = await loadGsm8kData({ dataDir: join(datasets ?? "", "gsm8k") });
    const task = createGsm8kTask(data, { shots: 5 });
    const keys = gunzipSync(readFileSync(outcome.metrics.outputs_file as string))
      .toString("utf8")
      .trim()
      .split("\n")
      .map((line) => Number((JSON.parse(line) as { key: string }).key));
    expect(keys).toHaveLength(8);
    for (const key of keys) {
      const prompt = task.context(data.test[key]!);
      const tokens = await tokenCount(engine.baseUrl, prompt);
      expect(tokens + GENERATED).toBeGreaterThan(4096 / 8);
      expect(tokens + GENERATED).toBeLessThanOrEqual(2048);
    }
  });
});

describe.skipIf(install === undefined || datasets === undefined)("a context too small for any prompt", () => {
  it("stops GSM8K after the first 8 items fail alike, with llama-server's message, and the suite goes on within the slots", { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), "kitt-early-stop-"));
    const suite = join(work, "suite.yaml");
    // Two slots of 512 tokens: no GSM8K 5-shot prompt fits (the shortest takes about 650) and
    // `truncate: never` sends them whole; MMLU's 0-shot astronomy questions fit.
    writeFileSync(
      suite,
      "suite_name: early_stop\ntests:\n  - { name: gsm8k, limit: 30, truncate: never }\n  - { name: mmlu, shots: 0, limit: 2, subjects: [astronomy], concurrency: 16 }\n",
    );
    const out = join(work, "results");
    const port = await freePort();
    const args = ["run", "-e", "llama_cpp", "--runtime", "native", "-m", await ensureTestModel(), "--port", String(port), "-s", suite, "-o", out, "--no-store"];
    const run = await runKitt([...args, "--engine-arg=-c", "--engine-arg=1024", "--engine-arg=-np", "--engine-arg=2"], { KITT_HOME: tempKittHome() });

    // A test that failed: the run goes on and exits with BENCHMARK_FAILED.
    expect(run.code, run.stderr).toBe(16);
    expect(run.stderr).toMatch(/gsm8k: measure 8\/30 · 8 failed/);
    expect(run.stderr).toMatch(
      /gsm8k stopped part-way: the first 8 items all failed with the same error, so the other 22 were not run: engine answered 400: .*exceeds the available context size \(512 tokens\)/,
    );
    expect(run.stderr).toMatch(/start the engine with more context per request, then run the test again/);

    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as {
      results: Array<{ test_name: string; passed: boolean; partial: boolean; errors: string[]; metrics: Record<string, unknown> }>;
    };
    const [gsm8k, mmlu] = metrics.results;
    expect(gsm8k).toMatchObject({ test_name: "gsm8k", passed: false, partial: true });
    expect(gsm8k?.metrics).toMatchObject({ evaluated: 0, failed: 8, concurrency: 2, request_context: 512 });
    expect(mmlu).toMatchObject({ test_name: "mmlu", passed: true });
    // Asked for 16 documents at once, it sent no more than the engine's 2 slots.
    expect(mmlu?.metrics).toMatchObject({ n: 2, failed: 0, concurrency: 2 });
    expect(llamaServersOnPort(port)).toEqual([]);
  });
});

async function tokenCount(baseUrl: string, content: string): Promise<number> {
  const response = await fetch(`${baseUrl}/tokenize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ content, add_special: true }),
    signal: AbortSignal.timeout(10_000),
  });
  return ((await response.json()) as { tokens: number[] }).tokens.length;
}
