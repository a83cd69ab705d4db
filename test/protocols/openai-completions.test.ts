import { describe, expect, it } from "vitest";
import { openaiCompletions } from "../../src/protocols/openai-completions.js";
import { expectSameUnderEverySplit, parseAll, recorded } from "./recorded.js";

describe("openai-completions request", () => {
  it("streams with usage requested and maps the sampling fields", () => {
    const built = openaiCompletions.buildStreamRequest({
      prompt: "Once upon a time",
      model: "m",
      maxTokens: 64,
      temperature: 0,
      topP: 0.9,
      topK: 40,
      seed: 7,
      stop: ["\n"],
    });
    expect(built.path).toBe("/v1/completions");
    expect(built.body).toEqual({
      prompt: "Once upon a time",
      model: "m",
      max_tokens: 64,
      temperature: 0,
      top_p: 0.9,
      top_k: 40,
      seed: 7,
      stop: ["\n"],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("sends ignore_eos and logprobs only when asked", () => {
    const plain = openaiCompletions.buildStreamRequest({ prompt: "x", maxTokens: 1 }).body;
    expect(plain).not.toHaveProperty("ignore_eos");
    expect(plain).not.toHaveProperty("logprobs");
    expect(plain).not.toHaveProperty("model");
    const asked = openaiCompletions.buildStreamRequest({ prompt: "x", maxTokens: 1, ignoreEos: true, topLogprobs: 5 }).body;
    expect(asked).toMatchObject({ ignore_eos: true, logprobs: 5 });
  });

  it("joins chat messages into one prompt", () => {
    const body = openaiCompletions.buildStreamRequest({
      maxTokens: 1,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    }).body;
    expect(body.prompt).toBe("Be brief.\nHi");
  });
});

describe("openai-completions stream (recorded vLLM)", () => {
  const body = recorded("vllm/completions-stream-usage.sse");

  it("yields one chunk per choice chunk, then the server's usage", async () => {
    const events = await parseAll(openaiCompletions, [body]);
    const chunks = events.filter((e) => e.type === "chunk");
    expect(chunks.map((c) => c.text)).toEqual(["NEVER", "GONNA", "GIVE", "YOU", "UP"]);
    expect(events.at(-1)).toEqual({ type: "usage", promptTokens: 7, completionTokens: 10, finishReason: undefined });
  });

  it("stamps chunks in arrival order", async () => {
    const events = await parseAll(openaiCompletions, [body]);
    const times = events.flatMap((e) => (e.type === "chunk" ? [e.at] : []));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it("parses the same however the body is split", async () => {
    await expectSameUnderEverySplit(openaiCompletions, body);
  });

  it("takes finish_reason from the last choice chunk", async () => {
    const stream =
      'data: {"choices":[{"index":0,"text":" a","finish_reason":null}]}\n\n' +
      'data: {"choices":[{"index":0,"text":"","finish_reason":"stop","stop_reason":null}]}\n\n' +
      "data: [DONE]\n\n";
    const events = await parseAll(openaiCompletions, [stream]);
    expect(events.at(-1)).toEqual({ type: "usage", finishReason: "stop" });
  });

  it("fails on an error object sent after a 200 status", async () => {
    const stream = 'data: {"error":{"message":"prompt too long","type":"BadRequestError","code":400}}\n\n';
    await expect(parseAll(openaiCompletions, [stream])).rejects.toThrow(/prompt too long/);
  });
});
