import { describe, expect, it } from "vitest";
import { getProtocol } from "../../../src/protocols/index.js";
import type { StreamEvent } from "../../../src/protocols/types.js";
import { OpenAIStreamEvents, type OpenAIStreamProtocol } from "../../../src/serve/transport/fast-sse-openai.js";
import { SseDataScanner } from "../../../src/serve/transport/fast-sse.js";
import { parseAll, recorded, withoutTimes } from "../../protocols/recorded.js";

/** Events from the load generator's byte-level path, the body fed as the given reads. */
function fastEvents(protocol: OpenAIStreamProtocol, reads: Buffer[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  const reader = new OpenAIStreamEvents(protocol, (event) => events.push(event));
  let clock = 1000;
  const scanner = new SseDataScanner((data) => reader.data(data, ++clock));
  for (const read of reads) scanner.push(read);
  scanner.end();
  reader.end();
  return events;
}

async function referenceEvents(protocol: OpenAIStreamProtocol, body: string): Promise<string> {
  return JSON.stringify(withoutTimes(await parseAll(getProtocol(protocol), [body])));
}

/** The fast path must equal the protocol's own parser whole, split at every byte, and one byte per read. */
async function expectSameAsReference(protocol: OpenAIStreamProtocol, body: string): Promise<void> {
  const expected = await referenceEvents(protocol, body);
  const bytes = Buffer.from(body, "utf8");
  expect(JSON.stringify(withoutTimes(fastEvents(protocol, [bytes])))).toBe(expected);
  for (let at = 1; at < bytes.length; at++) {
    const split = JSON.stringify(withoutTimes(fastEvents(protocol, [bytes.subarray(0, at), bytes.subarray(at)])));
    if (split !== expected) throw new Error(`differs when split at byte ${at}:\n${split}\n!=\n${expected}`);
  }
  const bytewise = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  expect(JSON.stringify(withoutTimes(fastEvents(protocol, bytewise)))).toBe(expected);
}

const sseFixtures = [
  "vllm/completions-stream-usage.sse",
  "vllm/chat-stream-v0.5.sse",
  "vllm/chat-stream-v0.15.sse",
  "sglang/chat-stream.sse",
  "llamacpp/chat-final-chunk.sse",
  "tgi/generate-stream.sse",
];

describe("fast SSE path against the protocol parsers", () => {
  for (const fixture of sseFixtures) {
    for (const protocol of ["openai-completions", "openai-chat"] as const) {
      it(`${fixture} as ${protocol}`, async () => {
        await expectSameAsReference(protocol, recorded(fixture));
      });
    }
  }

  it("reads the recorded vLLM completions stream as five chunks and its usage", () => {
    const events = fastEvents("openai-completions", [Buffer.from(recorded("vllm/completions-stream-usage.sse"))]);
    expect(events.filter((event) => event.type === "chunk").map((event) => (event.type === "chunk" ? event.text : ""))).toEqual([
      "NEVER",
      "GONNA",
      "GIVE",
      "YOU",
      "UP",
    ]);
    expect(events.at(-1)).toEqual({ type: "usage", promptTokens: 7, completionTokens: 10, finishReason: undefined });
  });

  it("follows the SSE line rules: CRLF and CR line ends, comments, other fields, multi-line data, a byte-order mark", async () => {
    const chunk = (text: string) => JSON.stringify({ choices: [{ index: 0, text }] });
    const body =
      "\uFEFF: a comment\r\n" +
      `event: message\r\nid: 7\r\ndata: ${chunk("é")}\r\n\r\n` +
      `data:${chunk("ü")}\r\rretry: 10\n` +
      `data: {"choices":\ndata: [{"index":0,"text":"multi"}]}\n\n` +
      "data\n\n" +
      `data: ${chunk("last")}\n\ndata: [DONE]\n\n`;
    // The bare `data` line is an empty message, which both paths reject as invalid JSON.
    await expect(referenceEvents("openai-completions", body)).rejects.toThrow(/invalid JSON/);
    expect(() => fastEvents("openai-completions", [Buffer.from(body)])).toThrow(/invalid JSON/);
    const valid = body.replace("data\n\n", "");
    await expectSameAsReference("openai-completions", valid);
    expect(fastEvents("openai-completions", [Buffer.from(valid)]).filter((event) => event.type === "chunk")).toHaveLength(4);
  });

  it("reads repeated messages from their template exactly as a full parse would", async () => {
    const texts = [" plain", "", 'quote " inside', "back\\slash", "new\nline", "tab\there", "é ü 漢字 🙂", '"text":"fake"', "\u0001", "/"];
    const message = (text: string, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id: "cmpl-9", object: "text_completion", created: 1, model: "m", choices: [{ index: 0, text, finish_reason: null }], usage: null, ...extra })}\n\n`;
    const body =
      texts.map((text) => message(text)).join("") +
      // Raw bytes that JSON.stringify would escape differently must still read the same.
      'data: {"id":"cmpl-9","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"\\u00e9\\/","finish_reason":null}],"usage":null}\n\n' +
      // A changed field around the text, a duplicate key, a finish reason and continuous usage: all parsed in full.
      message(" later", { created: 2 }) +
      'data: {"id":"cmpl-9","choices":[{"index":0,"text":"first","text":"second"}]}\n\n' +
      message(" last", { usage: { prompt_tokens: 1, completion_tokens: 13 } }).replace('"finish_reason":null', '"finish_reason":"length"') +
      "data: [DONE]\n\n";
    await expectSameAsReference("openai-completions", body);
    const chunks = fastEvents("openai-completions", [Buffer.from(body)]).flatMap((event) => (event.type === "chunk" ? [event.text] : []));
    expect(chunks).toEqual([...texts, "é/", " later", "second", " last"]);
  });

  it("reads chat deltas after a role-only first chunk", async () => {
    const delta = (content: string | undefined, role?: string) =>
      `data: ${JSON.stringify({ id: "chat-1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { ...(role ? { role } : {}), ...(content === undefined ? {} : { content }) }, finish_reason: null }] })}\n\n`;
    const body = delta(undefined, "assistant") + delta("") + ["Hel", "lo", " wor", "ld"].map((text) => delta(text)).join("") + "data: [DONE]\n\n";
    await expectSameAsReference("openai-chat", body);
  });

  it("counts a last event the server closed without a blank line", () => {
    const body = `data: ${JSON.stringify({ choices: [{ index: 0, text: "x" }], usage: { completion_tokens: 1 } })}`;
    const events = fastEvents("openai-completions", [Buffer.from(body)]);
    expect(events.map((event) => event.type)).toEqual(["chunk", "usage"]);
  });

  it("throws the protocol's error for an error object streamed after a 200", () => {
    expect(() => fastEvents("openai-completions", [Buffer.from('data: {"error":{"message":"out of memory"}}\n\n')])).toThrow(
      /mid-stream: out of memory/,
    );
  });
});
