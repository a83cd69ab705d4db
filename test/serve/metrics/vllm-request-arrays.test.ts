/**
 * serve.json carries vLLM's per-request arrays (`input_lens`, `output_lens`, `ttfts`, `itls`,
 * `generated_texts`, `errors`) with vLLM's units and order, so tools that read vLLM's detailed
 * result files read kitt's; and names the vLLM releases whose definitions it follows.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UNPACED_LOAD } from "../../../src/bench/engine-serve.js";
import { runServePipeline, type ServePipelineOptions } from "../../../src/pipeline/serve-pipeline.js";
import { VLLM_METRIC_DEFINITIONS } from "../../../src/serve/load/serve-run.js";
import { VllmRequestArrays } from "../../../src/serve/metrics/vllm-request-arrays.js";
import type { RequestRecord } from "../../../src/serve/types.js";
import { startEmulator } from "../../emulators/index.mjs";

interface VllmRequestRow {
  prompt_len: number;
  output_tokens: number;
  ttft: number;
  itl: number[];
  latency: number;
  generated_text: string | undefined;
  error: string;
}

/**
 * Reads a detailed result file the way vLLM's own tools do: the per-request arrays are zipped
 * index by index (so they must all be as long as `input_lens`), and a request's latency is
 * rebuilt as its TTFT plus its ITLs, all in seconds (vLLM's `plot.py` timeline).
 */
function readVllmDetailedResult(result: Record<string, unknown>): VllmRequestRow[] {
  const column = <T>(key: string, optional = false): T[] | undefined => {
    const value = result[key];
    if (value === undefined && optional) return undefined;
    if (!Array.isArray(value)) throw new Error(`${key} is not a list`);
    if (value.length !== (result.input_lens as unknown[]).length) throw new Error(`${key} has ${value.length} entries for ${(result.input_lens as unknown[]).length} requests`);
    return value as T[];
  };
  const inputLens = column<number>("input_lens") as number[];
  const outputLens = column<number>("output_lens") as number[];
  const ttfts = column<number>("ttfts") as number[];
  const itls = column<number[]>("itls") as number[][];
  const texts = column<string>("generated_texts", true);
  const errors = column<string>("errors") as string[];
  return inputLens.map((promptLen, i) => {
    const itl = itls[i] as number[];
    const ttft = ttfts[i] as number;
    return {
      prompt_len: promptLen,
      output_tokens: outputLens[i] as number,
      ttft,
      itl,
      latency: itl.length > 0 ? ttft + itl.reduce((sum, gap) => sum + gap, 0) : ttft,
      generated_text: texts?.[i],
      error: errors[i] as string,
    };
  });
}

function options(url: string, model: string, saveGeneratedTexts: boolean): ServePipelineOptions {
  return {
    engine: "vllm",
    url,
    model,
    store: false,
    dataset: { kind: "random", numPrompts: 16, inputTokens: 12, outputTokens: 6, seed: 0 },
    load: {
      warmupRequests: 2,
      ...UNPACED_LOAD,
      maxConcurrency: 4,
      workers: 0,
    },
    mode: { kind: "single" },
    engineMetrics: false,
    saveGeneratedTexts,
    output: join(mkdtempSync(join(tmpdir(), "kitt-vllm-arrays-")), "out"),
    commandLine: [],
    signal: new AbortController().signal,
  };
}

function readResults(dir: string): { serve: Record<string, unknown>; text: string; records: RequestRecord[] } {
  const text = readFileSync(join(dir, "serve.json"), "utf8");
  const records = readFileSync(join(dir, "requests.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as RequestRecord)
    .sort((a, b) => a.index - b.index);
  return { serve: JSON.parse(text) as Record<string, unknown>, text, records };
}

describe("serve.json per-request arrays", () => {
  it("holds vLLM's arrays, one entry per prompt in the data set's order, in seconds, readable as vLLM reads them", async () => {
    await using engine = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 2 });
    await engine.ready;
    const outcome = await runServePipeline(options(engine.url, engine.model, true));
    const { serve, text, records } = readResults(outcome.dir);

    expect(serve.metric_definitions).toBe(VLLM_METRIC_DEFINITIONS);
    expect(serve.num_prompts).toBe(16);
    const rows = readVllmDetailedResult(serve);
    expect(rows).toHaveLength(16);
    expect(records.map((record) => record.index)).toEqual(rows.map((_, index) => index));
    rows.forEach((row, index) => {
      const record = records[index] as RequestRecord;
      expect(row.error).toBe("");
      expect(row.prompt_len).toBe(record.promptTokens);
      expect(row.output_tokens).toBe(6);
      expect(row.ttft * 1000).toBeCloseTo(record.ttftMs as number, 9);
      expect(row.itl).toHaveLength(record.chunkMs.length - 1);
      expect(row.latency * 1000).toBeCloseTo(record.e2elMs as number, 9);
      expect(row.generated_text).toBe(record.generatedText);
      expect(row.generated_text?.length).toBeGreaterThan(0);
    });
    // The same numbers as the summary keys, which are in milliseconds.
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(rows.map((row) => row.ttft)) * 1000).toBeCloseTo(serve.mean_ttft_ms as number, 9);
    expect(mean(rows.flatMap((row) => row.itl)) * 1000).toBeCloseTo(serve.mean_itl_ms as number, 9);
    expect(rows.reduce((sum, row) => sum + row.output_tokens, 0)).toBe(serve.total_output_tokens);
    expect(rows.reduce((sum, row) => sum + row.prompt_len, 0)).toBe(serve.total_input_tokens);
    // Each array stays on one line of the file.
    expect(text.split("\n").find((line) => line.trimStart().startsWith('"itls"'))).toMatch(/^\s*"itls": \[\[.*\]\],?$/);
    expect(text.split("\n").length).toBeLessThan(250);
  }, 60_000);

  it("leaves the generated texts out when asked", async () => {
    await using engine = await startEmulator("vllm", { model: "tiny" });
    await engine.ready;
    const outcome = await runServePipeline(options(engine.url, engine.model, false));
    const { serve, records } = readResults(outcome.dir);
    expect(serve).not.toHaveProperty("generated_texts");
    expect(readVllmDetailedResult(serve)).toHaveLength(16);
    expect(records.every((record) => record.generatedText === null)).toBe(true);
  }, 60_000);

  it("keeps failed requests with vLLM's placeholders, and leaves out requests never sent", () => {
    const arrays = new VllmRequestArrays(4, true);
    const base = {
      scheduledMs: null,
      sentMs: 0,
      writtenMs: 0,
      ttftContentMs: null,
      chunkTokens: null,
      promptTokens: 7,
      clientOutputTokens: 0,
      requestedOutputTokens: 3,
      serverPromptTokens: null,
    };
    // Finished out of order: 2 broke off after two chunks, 0 completed, 1 was never sent.
    arrays.add({
      ...base,
      index: 2,
      success: false,
      ttftMs: 40,
      e2elMs: null,
      chunkMs: [40, 55],
      outputTokens: null,
      generatedText: " a b",
      error: { kind: "stream", message: "the connection closed before the response ended" },
    });
    arrays.add({
      ...base,
      index: 0,
      success: true,
      ttftMs: 30,
      e2elMs: 50,
      chunkMs: [30, 40, 50],
      outputTokens: 3,
      clientOutputTokens: 3,
      generatedText: " x y z",
      error: null,
    });
    arrays.add({ ...base, index: 3, success: false, ttftMs: null, e2elMs: null, chunkMs: [], outputTokens: null, generatedText: "", error: { kind: "http", message: "HTTP 503: busy" } });
    expect(arrays.toJson()).toEqual({
      input_lens: [7, 7, 7],
      output_lens: [3, 0, 0],
      ttfts: [0.03, 0.04, 0],
      itls: [[0.01, 0.01], [0.015], []],
      generated_texts: [" x y z", "", ""],
      errors: ["", "the connection closed before the response ended", "HTTP 503: busy"],
    });
  });
});
