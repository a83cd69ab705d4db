/**
 * Quality requests to an engine: answers whole (however the server splits them), the engine's
 * first line on a non-2xx status, a clear error when it cannot be reached, and an abort that
 * ends every request in flight under the signal at once, with the signal's reason.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KittError } from "../../../src/errors.js";
import { postForBody, postJson, type EngineHttp } from "../../../src/quality/engine/engine-http.js";
import { freePort } from "../../support/llama.js";

const spec = { displayName: "vLLM" } as EngineHttp["spec"];

describe("quality requests to an engine", () => {
  let server: Server;
  let engine: EngineHttp;
  /** Answers held back by the "/silent" route, ended after each test. */
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        if (req.url === "/silent") {
          held.push(res);
          return;
        }
        if (req.url === "/refuse") {
          res.writeHead(400, { "content-type": "application/json" });
          res.end('\n{"error": "prompt too long"}\nsecond line');
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
    engine = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, spec };
  });
  afterAll(async () => {
    for (const res of held) res.end("{}");
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends the body as JSON and reads the answer whole", async () => {
    expect(await postJson(engine, "/ok", { prompt: [[1, 2]], echo: true })).toEqual({ echo: { prompt: [[1, 2]], echo: true }, text: "naïve 日本" });
    expect((await postForBody(engine, "/ok", {})).toString()).toBe('{"echo":{},"text":"naïve 日本"}');
  });

  it("fails with the engine's first line on a non-2xx status, and clearly when the engine cannot be reached", async () => {
    await expect(postJson(engine, "/refuse", {})).rejects.toThrow(new KittError("ENGINE_REQUEST_FAILED", 'vLLM answered 400 on /refuse: {"error": "prompt too long"}'));
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(postJson({ baseUrl: closed, spec }, "/tokenize", {})).rejects.toThrow(new RegExp(`^cannot reach vLLM at ${closed}/tokenize: .*ECONNREFUSED`));
  });

  it("ends every request in flight under a signal when it aborts, with its reason, and refuses new ones", async () => {
    const controller = new AbortController();
    const pending = Array.from({ length: 20 }, () => postJson(engine, "/silent", {}, controller.signal));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held.length).toBe(20);
    const reason = new Error("interrupted");
    controller.abort(reason);
    const settled = await Promise.allSettled(pending);
    expect(settled.every((outcome) => outcome.status === "rejected" && outcome.reason === reason)).toBe(true);
    await expect(postJson(engine, "/ok", {}, controller.signal)).rejects.toBe(reason);
    // The requests were cut off: the server sees their connections close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held.every((res) => res.destroyed || res.socket === null || res.socket.destroyed)).toBe(true);
  });

  it("leaves a request alone when another one under the same signal finished", async () => {
    const controller = new AbortController();
    await postJson(engine, "/ok", {}, controller.signal);
    expect(await postJson(engine, "/ok", { again: true }, controller.signal)).toMatchObject({ echo: { again: true } });
  });
});
