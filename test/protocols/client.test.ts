import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { collectGeneration, generate, openGenerationStream, streamGeneration } from "../../src/protocols/client.js";
import { openaiCompletions } from "../../src/protocols/openai-completions.js";
import type { StreamEvent } from "../../src/protocols/types.js";
import { recorded } from "./recorded.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))));
});

async function serve(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `text` in `parts` pieces with a pause before each, as a generating engine would. */
async function trickle(res: http.ServerResponse, text: string, parts: number, pauseMs: number): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const size = Math.ceil(text.length / parts);
  for (let i = 0; i < text.length; i += size) {
    await pause(pauseMs);
    res.write(text.slice(i, i + size));
  }
  res.end();
}

const request = { prompt: "Hello", maxTokens: 10, model: "food-review-1" };

describe("generate", () => {
  it("measures TTFT and E2E from just before the request and takes the server's token count", async () => {
    let received: { path?: string; type?: string; body?: unknown } = {};
    const baseUrl = await serve((req, res, body) => {
      received = { path: req.url, type: req.headers["content-type"], body: JSON.parse(body) };
      void trickle(res, recorded("vllm/completions-stream-usage.sse"), 4, 15);
    });
    const result = await generate({ baseUrl, protocol: openaiCompletions, request, engineName: "vLLM" });
    expect(received.path).toBe("/v1/completions");
    expect(received.type).toBe("application/json");
    expect(received.body).toMatchObject({ prompt: "Hello", stream: true });
    expect(result.text).toBe("NEVERGONNAGIVEYOUUP");
    expect(result).toMatchObject({ promptTokens: 7, completionTokens: 10, tokenSource: "server" });
    // The first bytes left the server only after a 15 ms pause.
    expect(result.ttftMs).toBeGreaterThan(10);
    expect(result.e2eMs).toBeGreaterThanOrEqual(result.ttftMs);
    expect(result.chunkTimes[0]).toBe(result.ttftMs);
    expect(result.chunkTimes).toEqual([...result.chunkTimes].sort((a, b) => a - b));
  });

  it("accepts a base URL with a trailing slash", async () => {
    const baseUrl = await serve((_req, res) => void trickle(res, recorded("vllm/completions-stream-usage.sse"), 1, 0));
    await expect(generate({ baseUrl: `${baseUrl}/`, protocol: openaiCompletions, request })).resolves.toMatchObject({ completionTokens: 10 });
  });

  it("reports a non-2xx answer with the engine's name, the status and the body's first line", async () => {
    const baseUrl = await serve((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"error":{"message":"max_tokens must be at least 1","code":400}}\nsecond line');
    });
    const failure = generate({ baseUrl, protocol: openaiCompletions, request, engineName: "vLLM" });
    await expect(failure).rejects.toBeInstanceOf(KittError);
    await expect(failure).rejects.toMatchObject({
      code: "ENGINE_REQUEST_FAILED",
      message: 'vLLM answered 400: {"error":{"message":"max_tokens must be at least 1","code":400}}',
    });
  });

  it("reports a refused connection clearly", async () => {
    const baseUrl = await serve(() => {});
    servers.splice(0).forEach((s) => s.close());
    await pause(20);
    await expect(generate({ baseUrl, protocol: openaiCompletions, request, engineName: "SGLang" })).rejects.toMatchObject({
      code: "ENGINE_REQUEST_FAILED",
      message: expect.stringMatching(new RegExp(`^cannot reach SGLang at ${baseUrl}: .*ECONNREFUSED`)),
    });
  });

  it("gives up waiting for headers after headersTimeoutMs", async () => {
    const baseUrl = await serve(() => {});
    await expect(
      generate({ baseUrl, protocol: openaiCompletions, request, headersTimeoutMs: 150, bodyTimeoutMs: 150 }),
    ).rejects.toMatchObject({ code: "ENGINE_REQUEST_FAILED", message: expect.stringMatching(/UND_ERR_HEADERS_TIMEOUT|Headers Timeout/) });
  });

  it("reports a stream cut off mid-answer", async () => {
    const baseUrl = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"choices":[{"index":0,"text":"a"}]}\n\n');
      setTimeout(() => res.destroy(), 20);
    });
    await expect(generate({ baseUrl, protocol: openaiCompletions, request, engineName: "TGI" })).rejects.toMatchObject({
      code: "ENGINE_REQUEST_FAILED",
      message: expect.stringMatching(/^TGI stream broke off/),
    });
  });

  it("lets an abort through as it is", async () => {
    const baseUrl = await serve((_req, res) => void trickle(res, recorded("vllm/completions-stream-usage.sse"), 20, 30));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    await expect(generate({ baseUrl, protocol: openaiCompletions, request, signal: controller.signal })).rejects.not.toBeInstanceOf(KittError);
  });
});

describe("streamGeneration", () => {
  it("yields timed events and can be left early", async () => {
    const baseUrl = await serve((_req, res) => void trickle(res, recorded("vllm/completions-stream-usage.sse"), 3, 5));
    const seen: StreamEvent[] = [];
    for await (const event of streamGeneration({ baseUrl, protocol: openaiCompletions, request })) {
      seen.push(event);
      if (seen.length === 2) break;
    }
    expect(seen.map((e) => e.type)).toEqual(["chunk", "chunk"]);
  });

  it("exposes the start time with the events", async () => {
    const baseUrl = await serve((_req, res) => void trickle(res, recorded("vllm/completions-stream-usage.sse"), 2, 5));
    const before = performance.now();
    const { startedAt, events } = await openGenerationStream({ baseUrl, protocol: openaiCompletions, request });
    expect(startedAt).toBeGreaterThanOrEqual(before);
    const result = await collectGeneration(events, startedAt);
    expect(result.ttftMs).toBeGreaterThan(0);
  });
});

describe("collectGeneration", () => {
  async function* events(...list: StreamEvent[]): AsyncGenerator<StreamEvent> {
    yield* list;
  }

  it("counts chunks when the server gives no token count", async () => {
    const result = await collectGeneration(
      events(
        { type: "chunk", text: "", at: 11 },
        { type: "chunk", text: " a", at: 12 },
        { type: "chunk", text: " b", at: 15 },
        { type: "usage", finishReason: "length" },
      ),
      10,
    );
    expect(result).toMatchObject({ text: " a b", completionTokens: 2, tokenSource: "chunks", ttftMs: 1, e2eMs: 5, chunkTimes: [1, 2, 5], finishReason: "length" });
    expect(result).not.toHaveProperty("serverTimings");
  });

  it("adds up the tokens chunks carry", async () => {
    const result = await collectGeneration(events({ type: "chunk", text: "ab", at: 2, tokens: 2 }, { type: "chunk", text: "", at: 3, tokens: 1 }), 1);
    expect(result).toMatchObject({ completionTokens: 3, tokenSource: "chunks" });
  });

  it("keeps server timings without their event type", async () => {
    const result = await collectGeneration(events({ type: "chunk", text: "a", at: 2 }, { type: "timings", promptMs: 5, generationMs: 7 }), 1);
    expect(result.serverTimings).toEqual({ promptMs: 5, generationMs: 7 });
  });

  it("fails when the engine streamed nothing", async () => {
    await expect(collectGeneration(events({ type: "usage", completionTokens: 0 }), 1)).rejects.toMatchObject({ code: "ENGINE_REQUEST_FAILED" });
  });

  it("never reports a TTFT of zero or less", async () => {
    await expect(collectGeneration(events({ type: "chunk", text: "a", at: 5 }), 5)).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
