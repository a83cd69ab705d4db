import { describe, expect, it } from "vitest";
import { openaiChat } from "../../src/protocols/openai-chat.js";
import { expectSameUnderEverySplit, parseAll, recorded } from "./recorded.js";

describe("openai-chat request", () => {
  it("wraps a prompt as one user message and asks for usage", () => {
    const built = openaiChat.buildStreamRequest({ prompt: "Hi", maxTokens: 8, model: "m" });
    expect(built.path).toBe("/v1/chat/completions");
    expect(built.body).toMatchObject({
      messages: [{ role: "user", content: "Hi" }],
      model: "m",
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("keeps given messages and asks for top logprobs the chat way", () => {
    const messages = [
      { role: "system" as const, content: "Be brief." },
      { role: "user" as const, content: "Hi" },
    ];
    const body = openaiChat.buildStreamRequest({ messages, maxTokens: 1, topLogprobs: 3, ignoreEos: true }).body;
    expect(body.messages).toEqual(messages);
    expect(body).toMatchObject({ logprobs: true, top_logprobs: 3, ignore_eos: true });
  });
});

describe("openai-chat stream (recorded)", () => {
  it("counts vLLM 0.5's role-only first chunk as a chunk with empty text", async () => {
    const events = await parseAll(openaiChat, [recorded("vllm/chat-stream-v0.5.sse")]);
    const chunks = events.filter((e) => e.type === "chunk");
    expect(chunks).toHaveLength(6);
    expect(chunks[0]?.text).toBe("");
    expect(chunks.map((c) => c.text).join("")).toBe("我是阿里云开发的一款");
    // No usage chunk and no finish reason in this recording: no usage event.
    expect(events.some((e) => e.type === "usage")).toBe(false);
  });

  it("keeps multi-byte characters whole however the body is split", async () => {
    const events = await expectSameUnderEverySplit(openaiChat, recorded("vllm/chat-stream-v0.5.sse"));
    expect(events.filter((e) => e.type === "chunk")).toHaveLength(6);
  });

  it("reads vLLM 0.15's role chunk with empty content", async () => {
    const events = await expectSameUnderEverySplit(openaiChat, recorded("vllm/chat-stream-v0.15.sse"));
    expect(events.map((e) => (e.type === "chunk" ? e.text : e.type))).toEqual(["", " .", "<think>"]);
  });

  it("reads SGLang's deltas that repeat the role", async () => {
    const events = await expectSameUnderEverySplit(openaiChat, recorded("sglang/chat-stream.sse"));
    expect(events.map((e) => (e.type === "chunk" ? e.text : e.type))).toEqual(["3", ",", " "]);
  });

  it("reads llama.cpp's last chunk: finish reason, usage and timings together", async () => {
    const events = await expectSameUnderEverySplit(openaiChat, recorded("llamacpp/chat-final-chunk.sse"));
    expect(events).toEqual([
      expect.objectContaining({ type: "chunk", text: "" }),
      { type: "usage", promptTokens: 43, completionTokens: 1, finishReason: "length" },
      { type: "timings", promptMs: 246.082, generationMs: 0.028 },
    ]);
  });

  it("takes the last usage when every chunk carries one (continuous usage stats)", async () => {
    const stream =
      'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"usage":{"prompt_tokens":5,"completion_tokens":1}}\n\n' +
      'data: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":2}}\n\n' +
      "data: [DONE]\n\n";
    const events = await parseAll(openaiChat, [stream]);
    expect(events.at(-1)).toEqual({ type: "usage", promptTokens: 5, completionTokens: 2, finishReason: "length" });
  });

  it("leaves reasoning deltas out of the text but still counts the chunk", async () => {
    const stream = 'data: {"choices":[{"index":0,"delta":{"reasoning_content":"think"},"finish_reason":null}]}\n\n';
    const events = await parseAll(openaiChat, [stream]);
    expect(events).toEqual([expect.objectContaining({ type: "chunk", text: "" })]);
  });

  it("ignores choices of other indices when n > 1", async () => {
    const stream =
      'data: {"choices":[{"index":1,"delta":{"content":"other"},"finish_reason":null}]}\n\n' +
      'data: {"choices":[{"index":0,"delta":{"content":"mine"},"finish_reason":null}]}\n\n';
    const events = await parseAll(openaiChat, [stream]);
    expect(events.map((e) => (e.type === "chunk" ? e.text : e.type))).toEqual(["mine"]);
  });
});
