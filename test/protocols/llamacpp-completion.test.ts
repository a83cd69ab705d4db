import { describe, expect, it } from "vitest";
import { llamacppCompletion } from "../../src/protocols/llamacpp-completion.js";
import { expectSameUnderEverySplit, parseAll, recorded } from "./recorded.js";

describe("llamacpp-completion request", () => {
  it("uses llama.cpp's native names", () => {
    const built = llamacppCompletion.buildStreamRequest({ prompt: "Hello", maxTokens: 8, ignoreEos: true, topLogprobs: 5, seed: 42, stop: ["?\n"] });
    expect(built).toEqual({
      path: "/completion",
      body: { prompt: "Hello", n_predict: 8, stream: true, stop: ["?\n"], seed: 42, ignore_eos: true, n_probs: 5 },
    });
  });
});

describe("llamacpp-completion stream (recorded)", () => {
  const body = recorded("llamacpp/completion-stream.sse");

  it("yields a chunk per token, counting tokens from the running total", async () => {
    const events = await expectSameUnderEverySplit(llamacppCompletion, body);
    const chunks = events.filter((e) => e.type === "chunk");
    // The fourth token was the stop word, withheld from the text.
    expect(chunks.map((c) => [c.text, c.tokens])).toEqual([
      [" the", 1],
      [" planet", 1],
      [" Mars", 1],
      ["", 1],
    ]);
  });

  it("reads usage from the stop event and timings from the last event that had them", async () => {
    const events = await parseAll(llamacppCompletion, [body]);
    expect(events.slice(-2)).toEqual([
      { type: "usage", promptTokens: 16, completionTokens: 4, finishReason: undefined },
      { type: "timings", promptMs: 209.562, generationMs: 62.882 },
    ]);
  });

  it("reads the stop type and falls back to the timings' counts", async () => {
    const stream =
      'data: {"content":"a","stop":false}\n\n' +
      'data: {"content":"","stop":true,"stop_type":"limit","timings":{"prompt_n":3,"prompt_ms":1.5,"predicted_n":1,"predicted_ms":0.5}}\n\n';
    const events = await parseAll(llamacppCompletion, [stream]);
    expect(events).toEqual([
      expect.objectContaining({ type: "chunk", text: "a" }),
      { type: "usage", promptTokens: 3, completionTokens: 1, finishReason: "limit" },
      { type: "timings", promptMs: 1.5, generationMs: 0.5 },
    ]);
    expect(events[0]).not.toHaveProperty("tokens");
  });
});
