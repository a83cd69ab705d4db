/**
 * kitt's client for engine routes answered whole: answers whole (however the server splits
 * them), every failure `ENGINE_REQUEST_FAILED` in one wording, a deadline for the whole request,
 * and an abort that ends every request in flight under the signal at once, with the signal's
 * reason.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KittError } from "../../src/errors.js";
import { requestEngine, requestEngineJson, sendToEngine, type EngineEndpoint } from "../../src/protocols/http/engine-request.js";
import { connectionRefused } from "../../src/protocols/http/request-failures.js";
import { freePort } from "../support/llama.js";

describe("requests to an engine", () => {
  let server: Server;
  let engine: EngineEndpoint;
  /** Answers held back by the "/silent" route, ended after each test. */
  const held: ServerResponse[] = [];
  /** What the last request to "/seen" looked like. */
  let seen: { method?: string; type?: string; accept?: string; body?: string } = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        switch (req.url) {
          case "/silent":
            held.push(res);
            return;
          case "/refuse":
            res.writeHead(400, { "content-type": "application/json" });
            res.end('\n{"error": "prompt too long"}\nsecond line');
            return;
          case "/empty":
            res.writeHead(503);
            res.end();
            return;
          case "/html":
            res.writeHead(200, { "content-type": "text/html" });
            res.end("<html>proxy login</html>\n<body>");
            return;
          case "/cut":
            res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
            res.write('{"partial":');
            setTimeout(() => res.destroy(), 20);
            return;
          case "/seen?full=1":
            seen = { method: req.method, type: req.headers["content-type"], accept: req.headers.accept, body };
            res.writeHead(200);
            res.end("ok");
            return;
        }
        // The answer in three pieces, a character split between two of them.
        const answer = Buffer.from(JSON.stringify({ echo: JSON.parse(body), text: "naïve 日本" }));
        const cut = answer.indexOf(Buffer.from("日")) + 1;
        res.writeHead(200, { "content-type": "application/json" });
        res.write(answer.subarray(0, 5));
        res.write(answer.subarray(5, cut));
        setTimeout(() => res.end(answer.subarray(cut)), 10);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    engine = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, name: "vLLM" };
  });
  afterAll(async () => {
    for (const res of held) res.end("{}");
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends the body as JSON and reads the answer whole", async () => {
    expect(await requestEngineJson(engine, { path: "/ok", body: { prompt: [[1, 2]], echo: true } })).toEqual({
      echo: { prompt: [[1, 2]], echo: true },
      text: "naïve 日本",
    });
    expect((await requestEngine(engine, { method: "POST", path: "/ok", body: {} })).toString()).toBe('{"echo":{},"text":"naïve 日本"}');
  });

  it("sends a GET without a body, with the caller's headers, and hands back an answer of any status", async () => {
    expect(await sendToEngine(engine, { path: "/seen?full=1", headers: { accept: "text/plain" } })).toEqual({ status: 200, body: Buffer.from("ok") });
    expect(seen).toEqual({ method: "GET", type: undefined, accept: "text/plain", body: "" });
    expect((await sendToEngine(engine, { path: "/refuse", body: {} })).status).toBe(400);
  });

  it("words every failure the same way, naming the engine alone or with the request's URL", async () => {
    const url = engine.baseUrl.replace(/\/$/, "");
    await expect(requestEngineJson(engine, { path: "/refuse", body: {} })).rejects.toThrow(
      new KittError("ENGINE_REQUEST_FAILED", 'vLLM answered 400: {"error": "prompt too long"}'),
    );
    const located = { ...engine, namedWithUrl: true };
    await expect(requestEngineJson(located, { path: "/refuse", body: {} })).rejects.toThrow(
      new KittError("ENGINE_REQUEST_FAILED", `vLLM at ${url}/refuse answered 400: {"error": "prompt too long"}`),
    );
    await expect(requestEngine(engine, { path: "/empty" })).rejects.toThrow(new KittError("ENGINE_REQUEST_FAILED", "vLLM answered 503: (empty body)"));
    await expect(requestEngineJson(located, { path: "/html" })).rejects.toThrow(
      new KittError("ENGINE_REQUEST_FAILED", `vLLM at ${url}/html answered with something that is not JSON: <html>proxy login</html>`),
    );
    await expect(requestEngine(engine, { path: "/cut" })).rejects.toMatchObject({
      code: "ENGINE_REQUEST_FAILED",
      message: expect.stringMatching(/^vLLM answer broke off: /),
    });
    await expect(requestEngine(engine, { path: "/silent", timeoutMs: 150 })).rejects.toThrow(new KittError("ENGINE_REQUEST_FAILED", "vLLM gave no answer within 0.15 s"));

    const closed = `http://127.0.0.1:${await freePort()}`;
    const refused = await requestEngineJson({ baseUrl: closed, name: "vLLM" }, { path: "/tokenize", body: {} }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "ENGINE_REQUEST_FAILED", message: expect.stringMatching(new RegExp(`^cannot reach vLLM at ${closed}: .*ECONNREFUSED`)) });
    expect(connectionRefused(refused)).toBe(true);
    await expect(requestEngineJson({ baseUrl: closed, name: "vLLM", namedWithUrl: true }, { path: "/tokenize", body: {} })).rejects.toThrow(
      new RegExp(`^cannot reach vLLM at ${closed}/tokenize: .*ECONNREFUSED`),
    );
    expect(connectionRefused(await requestEngine(engine, { path: "/silent", timeoutMs: 50 }).catch((error: unknown) => error))).toBe(false);
  });

  it("ends every request in flight under a signal when it aborts, with its reason, and refuses new ones", async () => {
    const controller = new AbortController();
    const before = held.length;
    const pending = Array.from({ length: 20 }, () => requestEngineJson(engine, { path: "/silent", body: {}, signal: controller.signal }));
    // Polled, not slept: on a busy machine the 20 requests can take a while to arrive.
    await vi.waitFor(() => expect(held.length - before).toBe(20), { timeout: 10_000, interval: 20 });
    const reason = new Error("interrupted");
    controller.abort(reason);
    const settled = await Promise.allSettled(pending);
    expect(settled.every((outcome) => outcome.status === "rejected" && outcome.reason === reason)).toBe(true);
    await expect(requestEngineJson(engine, { path: "/ok", body: {}, signal: controller.signal })).rejects.toBe(reason);
    // The requests were cut off: the server sees their connections close.
    await vi.waitFor(
      () => expect(held.slice(before).every((res) => res.destroyed || res.socket === null || res.socket.destroyed)).toBe(true),
      { timeout: 10_000, interval: 20 },
    );
  });

  it("leaves a request alone when another one under the same signal finished", async () => {
    const controller = new AbortController();
    await requestEngineJson(engine, { path: "/ok", body: {}, signal: controller.signal });
    expect(await requestEngineJson(engine, { path: "/ok", body: { again: true }, signal: controller.signal })).toMatchObject({ echo: { again: true } });
  });
});
