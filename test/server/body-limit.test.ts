/**
 * Request bodies over 1 MiB are refused (413) on people's routes and agents' alike, whether the
 * request states its length or streams it chunked; a body within the limit is read as usual.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { startTestServer, type TestServer } from "./support.js";

const TOKEN = "body-limit-token";
const LIMIT = 1024 * 1024;

describe("request body limit", () => {
  let store: ResultsStore;
  let web: TestServer;

  beforeAll(async () => {
    const home = await mkdtemp(join(tmpdir(), "kitt-body-limit-"));
    store = await openStore({ url: join(home, "kitt.db") });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env: { KITT_HOME: home } });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
  });

  // `{"name":""}` and `bytes - 11` characters in the name: `bytes` bytes of JSON.
  const json = (bytes: number) => JSON.stringify({ name: "x".repeat(bytes - 11) });
  const chunked = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
  const post = (path: string, body: string | ReadableStream<Uint8Array>, token: string) =>
    web.fetch(path, { method: "POST", token, headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit & { token: string });

  it("a body over the limit is 413, with a Content-Length or chunked, on a person's route and an agent's", async () => {
    for (const path of ["/api/v1/agents/enrolments", agentPaths.heartbeat]) {
      const token = path === agentPaths.heartbeat ? "kitt_agent_not-a-real-token" : TOKEN;
      const stated = await post(path, json(LIMIT + 1), token);
      expect(stated.status, path).toBe(413);
      expect(await stated.json()).toEqual({ error: `request body over ${LIMIT} bytes` });
      expect((await post(path, chunked(json(LIMIT + 1)), token)).status, `${path}, chunked`).toBe(413);
    }
  });

  it("a body within the limit, up to exactly the limit, is read, with a Content-Length or chunked", async () => {
    // A name too long for the schema: the body was read and validated.
    for (const body of [json(LIMIT), chunked(json(LIMIT)), json(4096)]) {
      const response = await post("/api/v1/agents/enrolments", body, TOKEN);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("name");
    }
    const made = await post("/api/v1/agents/enrolments", chunked(JSON.stringify({ name: "gpu-chunked" })), TOKEN);
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ name: "gpu-chunked" });
  });
});
