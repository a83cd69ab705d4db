/**
 * `loglikelihood`, `firstTokenTopK` and greedy generation through real engine objects: against a
 * server answering in each engine's log-probability shapes, and against the engine emulators.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareEngine } from "../../../src/engines/launch.js";
import type { ManagedEngine } from "../../../src/engines/managed-engine.js";
import { greedyGenerate } from "../../../src/quality/engine/greedy.js";
import type { ContinuationLogprob } from "../../../src/quality/engine/continuation-tokens.js";
import { loglikelihoods, type LoglikelihoodEngine } from "../../../src/quality/engine/loglikelihood.js";
import { qualityEngine } from "../../../src/quality/engine/quality-engine.js";
import { firstTokenTopK } from "../../../src/quality/engine/top-k.js";
import { requestCapacity } from "../../../src/engines/model-context.js";
import { startEmulator, type EmulatedEngineName, type RunningEmulator } from "../../emulators/index.mjs";
import { decodeIds, startFakeLogprobServer, type FakeLogprobServer } from "./fake-logprob-server.js";

/** One continuation's log-likelihood. */
async function loglikelihood(engine: LoglikelihoodEngine, context: string, continuation: string): Promise<ContinuationLogprob> {
  return (await loglikelihoods(engine, context, [continuation]))[0]!;
}

async function endpoint(name: string, url: string): Promise<ManagedEngine> {
  const { engine } = await prepareEngine({ engine: name, url, model: "tiny" });
  await engine.start();
  return engine;
}

describe("log-probability routes, per engine", () => {
  let server: FakeLogprobServer;
  beforeAll(async () => {
    server = await startFakeLogprobServer();
  });
  afterAll(async () => {
    await server[Symbol.asyncDispose]();
  });

  it.each(["vllm", "sglang", "tgi"])("%s: sums the continuation after moving the context's trailing space", async (name) => {
    const engine = await endpoint(name, server.url);
    const result = await loglikelihood(engine, "Question one\nAnswer: ", "B and C");
    // " B and C" is three tokens of −0.5 each.
    expect(result).toMatchObject({ logprob: -1.5, tokens: 3, truncated: false });
    const sent = server.requests.at(-1)!.body;
    // vLLM and SGLang get token ids (one batch of one prompt), TGI the text.
    const prompt = name === "tgi" ? sent.inputs : decodeIds(((sent.prompt ?? sent.input_ids) as number[][])[0]!);
    expect(prompt).toBe("Question one\nAnswer: B and C");
    await engine.terminate();
  });

  it("refuses engines without prompt logprobs", async () => {
    const engine = await endpoint("llama_cpp", server.url);
    await expect(loglikelihood(engine, "Q", " A")).rejects.toThrow(/gives no prompt log-probabilities/);
    await engine.terminate();
  });

  it.each([
    ["llama_cpp", "/completion"],
    ["vllm", "/v1/completions"],
    ["sglang", "/v1/completions"],
    ["exllamav2", "/v1/completions"],
    ["tgi", "/generate"],
    ["ollama", "/api/generate"],
  ])("%s: first-token top-k from %s", async (name, path) => {
    const engine = await endpoint(name, server.url);
    const { top, truncated } = await firstTokenTopK(engine, "Answer:", 20);
    expect(top[0]).toEqual({ token: " B", logprob: -0.1 });
    expect(truncated).toBe(false);
    expect(server.requests.at(-1)!.path).toBe(path);
    await engine.terminate();
  });
});

/** An emulator of `name` started for the enclosing describe block, and a kitt engine reaching it. */
function useEmulatedEndpoint(name: EmulatedEngineName): { emulator: RunningEmulator; engine: ManagedEngine } {
  const state = {} as { emulator: RunningEmulator; engine: ManagedEngine };
  beforeAll(async () => {
    state.emulator = await startEmulator(name, { model: "tiny", tokenDelayMs: 0 });
    await state.emulator.ready;
    state.engine = await endpoint(name, state.emulator.url);
  });
  afterAll(async () => {
    await state.engine.terminate();
    await state.emulator.close();
  });
  return state;
}

describe.each(["vllm", "tgi"] as const)("greedy generation on the %s emulator", (name) => {
  const emulated = useEmulatedEndpoint(name);

  it("generates deterministically at temperature 0 and stops at the stop sequence", async () => {
    const { text: free } = await greedyGenerate(emulated.engine, "Question: what?\nAnswer:", [], { maxTokens: 12 });
    expect(free.length).toBeGreaterThan(0);
    expect(await greedyGenerate(emulated.engine, "Question: what?\nAnswer:", [], { maxTokens: 12 })).toEqual({ text: free, truncated: false });
    const word = free.trim().split(/\s+/)[2]!;
    const stopped = await greedyGenerate(emulated.engine, "Question: what?\nAnswer:", [word], { maxTokens: 12 });
    expect(stopped.text).toBe(free.slice(0, free.indexOf(word)));
  });
});

describe.each(["vllm", "sglang", "exllamav2"] as const)("legacy completions logprobs on the %s emulator", (name) => {
  const emulated = useEmulatedEndpoint(name);

  it("answers top-k with the chosen token first and the letters among the alternatives", async () => {
    const { top } = await firstTokenTopK(emulated.engine, "Question: which?\nA. x\nB. y\nAnswer:", 20);
    expect(top).toHaveLength(20);
    const logprobs = top.map((entry) => entry.logprob);
    expect(Math.max(...logprobs)).toBe(top[0]!.logprob);
    expect(top.map((entry) => entry.token)).toEqual(expect.arrayContaining([" A", " B", " C", " D"]));
    expect(await firstTokenTopK(emulated.engine, "Question: which?\nA. x\nB. y\nAnswer:", 20)).toEqual({ top, truncated: false });
  });

  it("refuses more alternatives than vLLM's default max_logprobs (20), in vLLM's words", async () => {
    const response = await fetch(`${emulated.emulator.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", prompt: "x", max_tokens: 1, logprobs: 21 }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Requested sample logprobs of 21, which is greater than max allowed: 20");
  });
});

describe("top-k prompts fitted to the vLLM emulator's context", () => {
  const emulated = useEmulatedEndpoint("vllm");
  const tokenizeRequests = () => emulated.emulator.logs.filter((line) => line.includes("POST /tokenize")).length;

  it("counts only a prompt that might not fit: one too short to reach the context goes out as text, untokenized", async () => {
    const quality = qualityEngine(emulated.engine, { contextLength: (await requestCapacity(emulated.engine)).context });
    expect(quality.window.contextLength).toBe(4096);
    const question = "Question: which?\nA. x\nB. y\nAnswer:";
    const { top } = await quality.firstTokenTopK(question, 20);
    // The special tokens the tokenizer adds are counted once, on a probe of two requests.
    const afterFirst = tokenizeRequests();
    expect(afterFirst).toBeLessThanOrEqual(2);
    expect(await quality.firstTokenTopK(question, 20)).toEqual({ top, truncated: false });
    await quality.firstTokenTopK("Question: and this?\nAnswer:", 20);
    expect(tokenizeRequests()).toBe(afterFirst);
    // 6,000 bytes might be more than 4,095 tokens: counted (1,500 tokens here, so sent whole, as text).
    const long = `${"abc ".repeat(1500)}Answer:`;
    expect(await quality.firstTokenTopK(long, 20)).toMatchObject({ truncated: false });
    expect(tokenizeRequests()).toBe(afterFirst + 1);
  });
});

/** The first engine's score of one continuation, which every other engine must match (the emulators share their values). */
let reference: ContinuationLogprob | undefined;

describe.each(["vllm", "sglang", "tgi"] as const)("prompt logprobs on the %s emulator", (name) => {
  it("scores a continuation from the prompt tokens, the same every time and on every engine", async () => {
    await using emulator = await startEmulator(name, { model: "tiny", tokenDelayMs: 0 });
    await emulator.ready;
    const engine = await endpoint(name, emulator.url);
    const first = await loglikelihood(engine, "Question one\nAnswer:", " B and C");
    expect(first.tokens).toBe(3);
    expect(first.logprob).toBeLessThan(0);
    expect(first.logprob).toBeGreaterThan(-3 * 8.05);
    // TGI gives no alternatives for prompt positions: whether the continuation is greedy is unknown there.
    expect(first.isGreedy).toBe(name === "tgi" ? null : true);
    expect(await loglikelihood(engine, "Question one\nAnswer:", " B and C")).toEqual(first);
    reference ??= first;
    expect(first.logprob).toBe(reference.logprob);
    const other = await loglikelihood(engine, "Question one\nAnswer:", " D and C");
    expect(other.logprob).not.toBe(first.logprob);
    // vLLM and SGLang take the continuations in one batched request, TGI one each: the same numbers.
    const before = emulator.finishedRequests;
    const batch = await loglikelihoods(engine, "Question one\nAnswer:", [" B and C", " D and C", " A"]);
    expect(batch.slice(0, 2)).toEqual([first, other]);
    expect(batch[2]).toEqual(await loglikelihood(engine, "Question one\nAnswer:", " A"));
    expect(emulator.finishedRequests - before).toBe(3 + 1);
    await engine.terminate();
  });
});
