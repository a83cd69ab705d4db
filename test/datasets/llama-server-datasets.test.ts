/**
 * The data sets against the real llama-server kitt builds, serving the tiny model (llama's
 * 32,000-token SentencePiece vocabulary): prompt lengths are checked by asking the server's
 * own /tokenize, exactly what it will count when the prompt arrives. Skipped without a
 * llama-server build on a developer's machine; fails in CI.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServeDataset } from "../../src/datasets/index.js";
import { chooseTokenCounter } from "../../src/datasets/tokenizers/choose-token-counter.js";
import { EngineTokenCounter } from "../../src/datasets/tokenizers/engine-token-counter.js";
import { mapConcurrent } from "../../src/datasets/tokenizers/map-concurrent.js";
import { loadTokenizerJson } from "../../src/datasets/tokenizers/tokenizer-json-counter.js";
import { NativeProcess } from "../../src/runtime/native.js";
import { llamaServerEnv, type LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { ensureVocabFile } from "../../src/setup/llama-cpp-source.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { writeLlamaSpmTokenizerJson } from "./llama-spm-tokenizer-json.js";

const install = await requireLlamaServer();

describe.skipIf(!install)("serving data sets against llama-server with the tiny model", () => {
  let server: NativeProcess;
  let baseUrl: string;
  let counter: EngineTokenCounter;
  let dir: string;

  /** The server's own count of a prompt as it will arrive (BOS included). */
  async function serverTokens(text: string): Promise<number[]> {
    const response = await fetch(`${baseUrl}/tokenize`, { method: "POST", body: JSON.stringify({ content: text, add_special: true }) });
    return ((await response.json()) as { tokens: number[] }).tokens;
  }

  beforeAll(async () => {
    const llama = install as LlamaServerInstall;
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env = llamaServerEnv(llama, {}) as Record<string, string>;
    server = new NativeProcess({
      engineName: "llama_cpp",
      command: { command: llama.binary, args: ["-m", await ensureTestModel(), "--host", "127.0.0.1", "--port", String(port)], env },
    });
    await server.launch();
    for (let deadline = Date.now() + 60_000; ; await sleep(100)) {
      if (server.hasExited) throw new Error(`llama-server exited while starting:\n${server.recentLogs(20).join("\n")}`);
      const status = await fetch(`${baseUrl}/health`).then((response) => response.status, () => 0);
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`${baseUrl}/health did not answer 200 within 60 s`);
    }
    counter = (await chooseTokenCounter({ engine: "llama_cpp", baseUrl, needsDecode: true })) as EngineTokenCounter;
    dir = await mkdtemp(join(tmpdir(), "kitt-llama-datasets-"));
  });

  afterAll(async () => {
    await counter?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("counts through the server's /tokenize, BOS as the one special token", async () => {
    expect(counter.source).toBe("engine");
    expect(await counter.specialTokens()).toBe(1);
    const [ids = []] = await counter.encode(["The quick brown fox"]);
    expect([1, ...ids]).toEqual(await serverTokens("The quick brown fox"));
    expect(await counter.decode?.([ids])).toEqual([" The quick brown fox"]);
  });

  it("builds 500 random prompts of exactly 128 tokens, in seconds rather than minutes", async () => {
    const { requests, stats } = await loadServeDataset({ kind: "random", numPrompts: 500, inputTokens: 128, outputTokens: 128, seed: 1 }, counter);
    expect(stats.exact_length_hits).toBe(500);
    // A guard against minutes-long synthesis, loose enough for a loaded CI machine
    // (about 0.5 s when idle, as the README records).
    expect(stats.prepare_ms).toBeLessThan(30_000);
    expect(new Set(requests.map((request) => request.prompt)).size).toBe(500);
    const counts = await mapConcurrent(requests, 16, async (request) => (await serverTokens(request.prompt)).length);
    expect(counts.filter((count) => count !== 128)).toEqual([]);
    expect(requests.every((request) => request.promptTokens === 128 && request.outputTokens === 128)).toBe(true);
  });

  it("spreads lengths uniformly within ±range_ratio, each one exact", async () => {
    const { requests, stats } = await loadServeDataset(
      { kind: "random", numPrompts: 1_000, inputTokens: 257, outputTokens: 100, rangeRatio: 0.5, seed: 2 },
      counter,
    );
    expect(stats.exact_length_hits).toBe(1_000);
    const inputs = requests.map((request) => request.promptTokens);
    const outputs = requests.map((request) => request.outputTokens);
    // 256 text tokens ± 50% is [128, 384]; plus BOS.
    expect(Math.min(...inputs)).toBeGreaterThanOrEqual(129);
    expect(Math.max(...inputs)).toBeLessThanOrEqual(385);
    expect(Math.min(...outputs)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...outputs)).toBeLessThanOrEqual(150);
    const mean = inputs.reduce((sum, length) => sum + length, 0) / inputs.length;
    expect(Math.abs(mean - 257)).toBeLessThan(10);
    const lowerHalf = inputs.filter((length) => length < 257).length;
    expect(lowerHalf).toBeGreaterThan(430);
    expect(lowerHalf).toBeLessThan(570);
    const sample = requests.slice(0, 100);
    const counts = await mapConcurrent(sample, 16, async (request) => (await serverTokens(request.prompt)).length);
    expect(counts).toEqual(sample.map((request) => request.promptTokens));
  });

  it("puts the same prefix tokens in front of every prompt", async () => {
    const { requests } = await loadServeDataset(
      { kind: "random", numPrompts: 50, inputTokens: 65, outputTokens: 8, prefixTokens: 64, seed: 3 },
      counter,
    );
    const tokenized = await mapConcurrent(requests, 16, (request) => serverTokens(request.prompt));
    expect(tokenized.every((ids) => ids.length === 129)).toBe(true);
    const first = tokenized[0] as number[];
    const shared = (ids: number[]) => ids.findIndex((id, index) => id !== first[index]);
    const sharedLengths = tokenized.slice(1).map(shared);
    expect(Math.min(...sharedLengths)).toBeGreaterThanOrEqual(63);
    expect(Math.max(...sharedLengths)).toBeLessThanOrEqual(70);
  });

  it("measures ShareGPT and JSONL prompts as the server counts them", async () => {
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));
    for (const spec of [
      { kind: "sharegpt" as const, path: fixture("sharegpt-small.json"), numPrompts: 5 },
      { kind: "jsonl" as const, path: fixture("prompts.jsonl") },
    ]) {
      const { requests, stats } = await loadServeDataset(spec, counter);
      expect(stats.token_source).toBe("engine");
      for (const request of requests) expect(request.promptTokens).toBe((await serverTokens(request.prompt)).length);
    }
  });

  it("agrees with a tokenizer.json built from the same vocabulary", async () => {
    const local = await loadTokenizerJson(await writeLlamaSpmTokenizerJson(await ensureVocabFile(), dir));
    const sentences = [
      "Hello world",
      "The quick brown fox jumps over the lazy dog.",
      "  two leading spaces, and   runs   of spaces  ",
      "tabs\tand\nnewlines\n\nin text\n",
      "naïve café — déjà vu, Ünïcödé ÀÉÎÕÜ",
      "日本語のテキストと中文",
      "emoji 🦙🚀 and symbols ∑ ≤ ≠ √",
      "1234567890 3.14159 -42 1e-9",
      "https://example.com/a?b=c&d=e#frag",
      "def f(x):\n    return x ** 2  # comment",
      "Привет, мир! Γειά σου κόσμε.",
      "x",
      ...(await loadServeDataset({ kind: "random", numPrompts: 20, inputTokens: 200, outputTokens: 1, seed: 4 }, counter)).requests.map(
        (request) => request.prompt,
      ),
    ];
    const [ours, special] = await Promise.all([local.encode(sentences), local.specialTokens()]);
    expect(special).toBe(1);
    const theirs = await mapConcurrent(sentences, 8, serverTokens);
    expect(ours.map((ids) => [1, ...ids])).toEqual(theirs);
  });
});
