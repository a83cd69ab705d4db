import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EngineTokenCounter, sharedEnds } from "../../src/datasets/tokenizers/engine-token-counter.js";
import { tokenizeApiFor, type TokenizeApi } from "../../src/datasets/tokenizers/engine-tokenize-apis.js";
import { KittError } from "../../src/errors.js";
import { freePort } from "../support/llama.js";
import { startFakeTokenizeServer, type FakeTokenizeServer } from "./fake-tokenize-server.js";

let server: FakeTokenizeServer;
const counters: EngineTokenCounter[] = [];

beforeAll(async () => {
  server = await startFakeTokenizeServer();
});
beforeEach(() => {
  server.requests.length = 0;
  server.maxInFlight = 0;
  server.status = 200;
});
afterAll(async () => {
  await Promise.all(counters.map((counter) => counter.close()));
  await server.close();
});

function counterFor(engine: string, options: { concurrency?: number; model?: string; baseUrl?: string } = {}): EngineTokenCounter {
  const counter = new EngineTokenCounter({ baseUrl: server.baseUrl, api: tokenizeApiFor(engine) as TokenizeApi, ...options });
  counters.push(counter);
  return counter;
}

const texts = Array.from({ length: 150 }, (_, index) => `prompt number ${index} has ${index % 7} extra words`);

describe("EngineTokenCounter", () => {
  it("asks llama.cpp's /tokenize one text at a time, many at once, without special tokens", async () => {
    const counter = counterFor("llama_cpp", { concurrency: 8 });
    const encoded = await counter.encode(texts);
    expect(encoded.map((ids) => ids.length)).toEqual(texts.map((text) => text.split(" ").length));
    expect(server.requests).toHaveLength(150);
    expect(server.requests[0]).toEqual({ path: "/tokenize", body: { content: texts[0], add_special: false, parse_special: true } });
    expect(server.maxInFlight).toBeGreaterThan(1);
    expect(server.maxInFlight).toBeLessThanOrEqual(8);
    expect(await counter.decode?.(encoded.slice(0, 3))).toEqual(texts.slice(0, 3));
    expect(server.requests.at(-1)).toEqual({ path: "/detokenize", body: { tokens: encoded[2] } });
    expect(await counter.specialTokens()).toBe(1);
    expect(counter.label).toBe(`llama.cpp /tokenize at ${server.baseUrl}`);
  });

  it("names the model to vLLM's /tokenize and /detokenize", async () => {
    const counter = counterFor("vllm", { model: "served-name" });
    const [ids = []] = await counter.encode(["hello there world"]);
    expect(server.requests[0]).toEqual({ path: "/tokenize", body: { model: "served-name", prompt: "hello there world", add_special_tokens: false } });
    expect(await counter.decode?.([ids])).toEqual(["hello there world"]);
    expect(server.requests[1]).toEqual({ path: "/detokenize", body: { model: "served-name", tokens: ids } });
    expect(await counter.specialTokens()).toBe(1);
  });

  it("sends SGLang lists of 64 texts per request", async () => {
    const counter = counterFor("sglang");
    const encoded = await counter.encode(texts);
    expect(server.requests.map((request) => (request.body.prompt as string[]).length)).toEqual([64, 64, 22]);
    expect(server.requests.every((request) => request.path === "/v1/tokenize" && request.body.add_special_tokens === false)).toBe(true);
    expect(await counter.decode?.(encoded)).toEqual(texts);
    expect(server.requests.filter((request) => request.path === "/v1/detokenize")).toHaveLength(3);
  });

  it("strips the special tokens TGI always adds, and offers no decoding", async () => {
    const counter = counterFor("tgi");
    expect(await counter.specialTokens()).toBe(2);
    const [ids = []] = await counter.encode(["one two three"]);
    expect(ids).toHaveLength(3);
    expect(ids).not.toContain(1);
    expect(ids).not.toContain(2);
    expect(server.requests.at(-1)).toEqual({ path: "/tokenize", body: { inputs: "one two three" } });
    expect(counter.decode).toBeUndefined();
  });

  it("fails with the engine's answer, or with why it cannot be reached", async () => {
    const counter = counterFor("llama_cpp");
    server.status = 500;
    const answered = await counter.encode(["x"]).catch((error: unknown) => error);
    expect(answered).toBeInstanceOf(KittError);
    expect(answered).toMatchObject({ code: "ENGINE_REQUEST_FAILED" });
    expect((answered as Error).message).toMatch(/llama\.cpp \/tokenize at http:\/\/127\.0\.0\.1:\d+\/tokenize answered 500/);
    const gone = counterFor("vllm", { baseUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(gone.specialTokens()).rejects.toThrow(/cannot reach vLLM \/tokenize/);
  });

  it("rejects answers of the wrong shape", async () => {
    const api = tokenizeApiFor("sglang") as TokenizeApi;
    expect(() => api.parseEncode({ tokens: [[1, 2]] }, 2)).toThrow(/answered without 2 token lists \(got 1\)/);
    expect(() => (tokenizeApiFor("llama_cpp") as TokenizeApi).parseEncode({ tokens: ["a"] }, 1)).toThrow(/without a tokens array/);
    expect(() => (tokenizeApiFor("tgi") as TokenizeApi).parseEncode({ id: 1 }, 1)).toThrow(/without a token list/);
    expect(tokenizeApiFor("ollama")).toBeUndefined();
  });

  it("finds the shared ends of two id lists", () => {
    expect(sharedEnds([1, 5, 6, 2], [1, 7, 2])).toEqual({ prefix: 1, suffix: 1 });
    expect(sharedEnds([5, 6], [7])).toEqual({ prefix: 0, suffix: 0 });
    expect(sharedEnds([1, 2], [1, 2])).toEqual({ prefix: 2, suffix: 0 });
  });
});
