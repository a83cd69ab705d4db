/**
 * Warm-up requests carry prompts of their own: an engine with a prompt cache (llama.cpp) must
 * not have seen a measured prompt before it is measured. The prompts are recorded on their way
 * to an emulated vLLM; warm-up finishes before the measured window opens, so the first requests
 * to arrive are the warm-up ones.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UNPACED_LOAD } from "../../src/bench/engine-serve.js";
import { serveBenchmark } from "../../src/bench/serve-test.js";
import type { Engine } from "../../src/engines/engine.js";
import { getEngineSpec } from "../../src/engines/registry.js";
import { runServePipeline, type ServePipelineOptions } from "../../src/pipeline/serve-pipeline.js";
import { startEmulator } from "../emulators/index.mjs";
import { startRecordingProxy } from "../support/recording-proxy.js";

function pipelineOptions(url: string, model: string, dataset: ServePipelineOptions["dataset"], warnings: string[]): ServePipelineOptions {
  return {
    engine: "vllm",
    url,
    model,
    store: false,
    dataset,
    load: {
      warmupRequests: 4,
      ...UNPACED_LOAD,
      maxConcurrency: 4,
      workers: 0,
    },
    mode: { kind: "single" },
    engineMetrics: false,
    saveGeneratedTexts: true,
    output: join(mkdtempSync(join(tmpdir(), "kitt-warmup-")), "out"),
    commandLine: [],
    signal: new AbortController().signal,
    reporter: { warn: (message) => warnings.push(message) },
  };
}

describe("warm-up prompts", () => {
  it("kitt bench serve warms up with prompts drawn like the measured ones, but none of them", async () => {
    await using engine = await startEmulator("vllm", { model: "tiny" });
    await engine.ready;
    await using proxy = await startRecordingProxy(engine.url);
    const warnings: string[] = [];
    const dataset = { kind: "random" as const, numPrompts: 12, inputTokens: 16, outputTokens: 4, seed: 0 };
    const outcome = await runServePipeline(pipelineOptions(proxy.url, engine.model, dataset, warnings));

    expect(proxy.prompts).toHaveLength(4 + 12);
    const warmup = proxy.prompts.slice(0, 4);
    const measured = new Set(proxy.prompts.slice(4));
    expect(measured.size).toBe(12);
    expect(warmup.filter((prompt) => measured.has(prompt))).toEqual([]);
    // Drawn the same way: random prompts of the same length as the engine counts them.
    const serve = JSON.parse(readFileSync(join(outcome.dir, "serve.json"), "utf8")) as Record<string, unknown>;
    expect(serve).toMatchObject({ num_prompts: 12, completed: 12, warmup_requests: 4, warmup_prompts_measured: 0, total_input_tokens: 12 * 16 });
    expect(warnings).toEqual([]);
  }, 60_000);

  it("says so when the data set has too few distinct prompts to keep them apart", async () => {
    await using engine = await startEmulator("vllm", { model: "tiny" });
    await engine.ready;
    await using proxy = await startRecordingProxy(engine.url);
    const warnings: string[] = [];
    const dataset = { kind: "prompts" as const, prompts: ["Tell me about rivers.", "Describe a market."], numPrompts: 6, outputTokens: 4 };
    const outcome = await runServePipeline(pipelineOptions(proxy.url, engine.model, dataset, warnings));

    const serve = JSON.parse(readFileSync(join(outcome.dir, "serve.json"), "utf8")) as Record<string, unknown>;
    expect(serve.warmup_prompts_measured).toBe(4);
    expect(warnings).toEqual([
      "4 of 4 warm-up prompts are also measured (the data set has too few distinct prompts); a prompt cache may answer those from memory",
    ]);
  }, 60_000);

  it("the suite's serve test warms up with prompts of its own", async () => {
    await using emulator = await startEmulator("vllm", { model: "tiny" });
    await emulator.ready;
    await using proxy = await startRecordingProxy(emulator.url);
    const engine = { spec: getEngineSpec("vllm"), baseUrl: proxy.url, modelName: emulator.model } as unknown as Engine;
    const config = serveBenchmark.configSchema.parse({ num_prompts: 8, warmup_requests: 3, input_len: 16, output_len: 4, max_concurrency: 4 });
    const outcome = await serveBenchmark.run({ engine, config, signal: new AbortController().signal, onProgress: () => undefined, warmup: true });

    expect(outcome.metrics).toMatchObject({ completed: 8, num_prompts: 8, warmup_requests: 3, warmup_prompts_measured: 0 });
    expect(proxy.prompts).toHaveLength(3 + 8);
    const measured = new Set(proxy.prompts.slice(3));
    expect(measured.size).toBe(8);
    expect(proxy.prompts.slice(0, 3).filter((prompt) => measured.has(prompt))).toEqual([]);
  }, 60_000);
});
