import { describe, expect, it } from "vitest";
import { ollamaGenerate } from "../../src/protocols/ollama-generate.js";
import { expectSameUnderEverySplit, parseAll, recorded } from "./recorded.js";

describe("ollama-generate request", () => {
  it("puts sampling into options with Ollama's names", () => {
    const built = ollamaGenerate.buildStreamRequest({
      prompt: "Why is the sky blue?",
      model: "llama3.2",
      maxTokens: 100,
      temperature: 0.8,
      topP: 0.9,
      topK: 20,
      seed: 42,
      stop: ["\n", "user:"],
    });
    expect(built).toEqual({
      path: "/api/generate",
      body: {
        model: "llama3.2",
        prompt: "Why is the sky blue?",
        stream: true,
        options: { temperature: 0.8, top_p: 0.9, top_k: 20, num_predict: 100, stop: ["\n", "user:"], seed: 42 },
      },
    });
  });

  it("asks for top logprobs only when requested", () => {
    expect(ollamaGenerate.buildStreamRequest({ prompt: "x", maxTokens: 1 }).body).not.toHaveProperty("logprobs");
    expect(ollamaGenerate.buildStreamRequest({ prompt: "x", maxTokens: 1, topLogprobs: 5 }).body).toMatchObject({
      logprobs: true,
      top_logprobs: 5,
    });
  });
});

describe("ollama-generate stream (recorded)", () => {
  const body = recorded("ollama/generate-stream-lines.ndjson", "ollama/generate-final-line.ndjson");

  it("yields a chunk per line, then usage and timings from the done line", async () => {
    const events = await parseAll(ollamaGenerate, [body]);
    const chunks = events.filter((e) => e.type === "chunk");
    expect(chunks).toHaveLength(11);
    expect(chunks.map((c) => c.text).join("")).toBe('{"ing sight, they couldn\'t help but be');
    expect(events.slice(-2)).toEqual([
      { type: "usage", promptTokens: 26, completionTokens: 259, finishReason: undefined },
      { type: "timings", promptMs: 130.079, generationMs: 4232.71, loadMs: 6338.219291 },
    ]);
  });

  it("parses the same however the body is split", async () => {
    await expectSameUnderEverySplit(ollamaGenerate, body);
  });

  it("reads done_reason and a last line without a newline", async () => {
    const stream = '{"response":"a","done":false}\n{"response":"","done":true,"done_reason":"length","eval_count":1,"prompt_eval_count":2}';
    const events = await parseAll(ollamaGenerate, [stream]);
    expect(events.find((e) => e.type === "usage")).toEqual({ type: "usage", promptTokens: 2, completionTokens: 1, finishReason: "length" });
  });

  it("fails on Ollama's error line", async () => {
    await expect(parseAll(ollamaGenerate, ['{"error":"model \\"x\\" not found, try pulling it first"}\n'])).rejects.toThrow(/not found/);
  });
});
