/**
 * `kitt bench serve` through every protocol, against emulators of the engines that cannot run
 * here (each started by the spec's own command line): OpenAI completions and chat (vLLM,
 * SGLang), TGI's generate_stream, Ollama's NDJSON. Counts and server-reported tokens.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runKitt, tempKittHome } from "../support/cli.js";
import { safetensorsModel } from "../support/models.js";
import { freePort, requireVocabFile } from "../support/llama.js";
import { writeLlamaSpmTokenizerJson } from "../datasets/llama-spm-tokenizer-json.js";

const bin = (name: string) => fileURLToPath(new URL(`../emulators/bin/${name}.mjs`, import.meta.url));
const vocab = await requireVocabFile();


async function benchServe(engine: string, model: string, extra: string[], env: Record<string, string> = {}) {
  const out = join(mkdtempSync(join(tmpdir(), `kitt-serve-${engine}-`)), "out");
  const run = await runKitt(
    ["bench", "serve", "-e", engine, "-m", model, "--runtime", "native", "--binary", bin(engine), "--port", String(await freePort()),
      "--num-prompts", "24", "--max-concurrency", "4", "--random-output-len", "12", "--warmup-requests", "2", "--no-store", "-o", out, ...extra],
    { KITT_HOME: tempKittHome(), KITT_EMULATOR_TOKEN_DELAY_MS: "0.3", ...env },
  );
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, "serve.json"), "utf8")) as Record<string, unknown>;
}

const prompts = ["--dataset", "prompts", "--prompt", "Tell me about rivers.", "--prompt", "Describe a quiet market square."];

describe("kitt bench serve against emulated engines", () => {
  for (const [engine, protocol] of [["vllm", "openai-completions"], ["vllm", "openai-chat"], ["sglang", "openai-completions"]] as const) {
    it(`${engine} over ${protocol}: random prompts of exact length via the engine's tokenizer`, async () => {
      const result = await benchServe(engine, safetensorsModel(), ["--protocol", protocol, "--random-input-len", "24"]);
      expect(result).toMatchObject({ backend: protocol, completed: 24, failed: 0, total_output_tokens: 24 * 12, output_tokens_source: "server" });
      if (protocol === "openai-completions") expect(result.total_input_tokens).toBe(24 * 24);
      expect(result.mean_ttft_ms as number).toBeGreaterThan(0);
      expect((result.engine_metrics as { available: boolean }).available).toBe(true);
      // vLLM's per-request arrays, one entry per prompt, and the vLLM releases whose definitions apply.
      expect(result.metric_definitions).toBe("vllm>=0.7,<=0.28");
      for (const key of ["input_lens", "output_lens", "ttfts", "itls", "generated_texts", "errors"]) expect(result[key]).toHaveLength(24);
    }, 60_000);
  }

  it("--no-save-generated-texts leaves vLLM's generated_texts out of serve.json", async () => {
    const result = await benchServe("vllm", safetensorsModel(), ["--random-input-len", "16", "--no-save-generated-texts"]);
    expect(result).not.toHaveProperty("generated_texts");
    expect(result.output_lens).toEqual(Array.from({ length: 24 }, () => 12));
  }, 60_000);

  it("tgi over generate_stream: fixed prompts counted by its /tokenize", async () => {
    const result = await benchServe("tgi", safetensorsModel(), prompts);
    expect(result).toMatchObject({ backend: "tgi-generate", completed: 24, failed: 0, total_output_tokens: 24 * 12, output_tokens_source: "server" });
  }, 60_000);

  it.skipIf(!vocab)("ollama over NDJSON: a tag, prompts counted by a tokenizer.json, no /metrics", async () => {
    const tokenizer = await writeLlamaSpmTokenizerJson(vocab as string, mkdtempSync(join(tmpdir(), "kitt-tok-")));
    const result = await benchServe("ollama", "tiny:latest", [...prompts, "--tokenizer", tokenizer], { KITT_EMULATOR_MODELS: "tiny:latest" });
    expect(result).toMatchObject({ backend: "ollama-generate", completed: 24, failed: 0, total_output_tokens: 24 * 12, output_tokens_source: "server" });
    expect(result.engine_metrics).toBeNull();
  }, 60_000);

  it("--sweep: synchronous, max throughput, then rates in between, each run recorded", async () => {
    const result = await benchServe("vllm", safetensorsModel(), ["--random-input-len", "16", "--sweep", "2"]);
    const runs = result.runs as Array<{ kind: string; rate: number | "inf"; completed: number; max_concurrency: number | null }>;
    expect(result.mode).toBe("sweep");
    expect(runs.map((r) => r.kind)).toEqual(["synchronous", "throughput", "rate", "rate"]);
    expect(runs[0]?.max_concurrency).toBe(1);
    const rates = runs.slice(2).map((r) => r.rate as number);
    expect(rates[0]).toBeLessThan(rates[1] as number);
    for (const run of runs) expect(run.completed).toBe(24);
  }, 90_000);

  it("--slo-search finds the highest rate that still meets the SLO", async () => {
    // A generous SLO every rate meets: the answer is the max-throughput rate itself.
    const result = await benchServe("vllm", safetensorsModel(), ["--random-input-len", "16", "--slo", "ttft:60000,e2el:60000", "--slo-search"]);
    expect(result.mode).toBe("slo-search");
    const runs = result.runs as Array<{ kind: string; request_throughput: number }>;
    expect(result.best_rate).toBeCloseTo(runs[1]?.request_throughput as number, 6);
    expect(result.request_goodput).toBeGreaterThan(0);
  }, 90_000);
});
