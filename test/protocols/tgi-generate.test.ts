import { describe, expect, it } from "vitest";
import { tgiGenerate } from "../../src/protocols/tgi-generate.js";
import { expectSameUnderEverySplit, parseAll, recorded } from "./recorded.js";

describe("tgi-generate request", () => {
  it("asks for details and maps sampling to TGI's parameters", () => {
    const built = tgiGenerate.buildStreamRequest({ prompt: "What is Deep Learning?", maxTokens: 20, temperature: 0.7, topP: 0.95, topK: 10, seed: 3, stop: ["\n"] });
    expect(built).toEqual({
      path: "/generate_stream",
      body: {
        inputs: "What is Deep Learning?",
        parameters: { max_new_tokens: 20, details: true, do_sample: true, temperature: 0.7, top_p: 0.95, top_k: 10, stop: ["\n"], seed: 3 },
      },
    });
  });

  it("turns temperature 0 into greedy decoding and drops values TGI rejects", () => {
    const parameters = tgiGenerate.buildStreamRequest({ prompt: "x", maxTokens: 5, temperature: 0, topP: 1, topK: 0 }).body.parameters;
    expect(parameters).toEqual({ max_new_tokens: 5, details: true, do_sample: false });
  });

  it("asks for top tokens when logprobs are wanted", () => {
    expect(tgiGenerate.buildStreamRequest({ prompt: "x", maxTokens: 1, topLogprobs: 4 }).body.parameters).toMatchObject({ top_n_tokens: 4 });
  });
});

describe("tgi-generate stream", () => {
  it("yields one single-token chunk per recorded event", async () => {
    const events = await expectSameUnderEverySplit(tgiGenerate, recorded("tgi/generate-stream.sse"));
    expect(events).toEqual([
      expect.objectContaining({ type: "chunk", text: " Deep", tokens: 1 }),
      expect.objectContaining({ type: "chunk", text: " Learning", tokens: 1 }),
      expect.objectContaining({ type: "chunk", text: " is", tokens: 1 }),
      expect.objectContaining({ type: "chunk", text: " a", tokens: 1 }),
    ]);
  });

  it("reads a last event without details as a plain token", async () => {
    const events = await expectSameUnderEverySplit(tgiGenerate, recorded("tgi/generate-stream-last-event.sse"));
    expect(events).toEqual([expect.objectContaining({ type: "chunk", text: "</s>", tokens: 1 })]);
  });

  it("takes counts and finish reason from the final details, and hides special tokens", async () => {
    const stream =
      'data:{"index":1,"token":{"id":5,"text":" hi","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n' +
      'data:{"index":2,"token":{"id":2,"text":"</s>","logprob":-0.2,"special":true},"generated_text":" hi","details":{"finish_reason":"eos_token","generated_tokens":2,"seed":null,"input_length":6}}\n\n';
    const events = await parseAll(tgiGenerate, [stream]);
    expect(events.map((e) => (e.type === "chunk" ? e.text : e.type))).toEqual([" hi", "", "usage"]);
    expect(events.at(-1)).toEqual({ type: "usage", promptTokens: 6, completionTokens: 2, finishReason: "eos_token" });
  });

  it("fails on TGI's error event", async () => {
    const stream = 'data:{"error":"Request failed during generation: Server error: CUDA out of memory","error_type":"generation"}\n\n';
    await expect(parseAll(tgiGenerate, [stream])).rejects.toThrow(/CUDA out of memory/);
  });
});
