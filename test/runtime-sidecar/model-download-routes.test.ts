/**
 * The sidecar's model-download routes served on a loopback port: a download from a real S3
 * server streamed as Server-Sent Events, its state, and destinations kept under the models root.
 */
import { serve, type ServerType } from "@hono/node-server";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelDownloadRoutes } from "../../src/runtime-sidecar/model-download-routes.js";
import { startS3Server, type S3TestServer } from "../support/s3-server.js";

const MiB = 1024 * 1024;
let s3: S3TestServer;
let work: string;
let modelsRoot: string;
let server: ServerType;
let base: string;
const weights = randomBytes(9 * MiB);

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.putMultipart("qwen/model.safetensors", weights, 5 * MiB);
  await s3.putObject("qwen/config.json", Buffer.from("{}"));
  work = mkdtempSync(join(tmpdir(), "kitt-sidecar-download-"));
  modelsRoot = join(work, "models");
  const app = modelDownloadRoutes({ modelsRoot, env: s3.env, partSize: MiB, concurrency: 2, progressEveryMs: 20 });
  server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(started));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await s3?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

function post(body: unknown): Promise<Response> {
  return fetch(`${base}/v1/models/download`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
}

async function events(path: string): Promise<EventSourceMessage[]> {
  const answer = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
  expect(answer.headers.get("content-type")).toContain("text/event-stream");
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  const decoder = new TextDecoder();
  for await (const chunk of answer.body!) parser.feed(decoder.decode(chunk, { stream: true }));
  return messages;
}

describe("POST /v1/models/download", () => {
  it("downloads from S3 under the models root and streams its progress, then done", async () => {
    const started = await post({ uri: `s3://${s3.bucket}/qwen`, dest: "qwen/main" });
    expect(started.status).toBe(202);
    const { id, events: eventsPath } = (await started.json()) as { id: string; events: string };
    expect(eventsPath).toBe(`/v1/models/download/${id}/events`);

    const messages = await events(eventsPath);
    const progress = messages.filter((m) => m.event === "progress").map((m) => JSON.parse(m.data) as { bytesDone: number; bytesTotal: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((p) => p.bytesDone)).toEqual([...progress.map((p) => p.bytesDone)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ bytesDone: weights.byteLength + 2, bytesTotal: weights.byteLength + 2 });
    expect(messages.at(-1)?.event).toBe("done");
    expect(JSON.parse(messages.at(-1)!.data)).toMatchObject({ files: 2, dest: join("qwen", "main"), source: `s3://${s3.bucket}/qwen` });
    expect(readFileSync(join(modelsRoot, "qwen", "main", "model.safetensors")).equals(weights)).toBe(true);

    const state = await fetch(`${base}/v1/models/download/${id}`);
    expect(await state.json()).toMatchObject({ id, status: "done", result: { files: 2 } });
  });

  it("reports a failed download as an error event with its code", async () => {
    const started = await post({ uri: `s3://${s3.bucket}/missing`, dest: "missing" });
    const { id } = (await started.json()) as { id: string };
    const messages = await events(`/v1/models/download/${id}/events`);
    expect(messages.at(-1)).toMatchObject({ event: "error" });
    expect(JSON.parse(messages.at(-1)!.data)).toEqual({ code: "NOT_FOUND", message: `s3://${s3.bucket}/missing: no objects under it` });
  });

  it.each([["../outside"], ["/tmp/outside"], ["a/../../outside"], ["."]])("refuses dest %j outside the models root", async (dest) => {
    const answer = await post({ uri: `s3://${s3.bucket}/qwen`, dest });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: "UNSAFE_PATH" });
    expect(existsSync(join(work, "outside"))).toBe(false);
  });

  it("refuses a malformed body or URI with 400, and an unknown id with 404", async () => {
    expect((await post({ uri: `s3://${s3.bucket}/qwen` })).status).toBe(400);
    expect((await post({ uri: "ftp://x/y", dest: "x" })).status).toBe(400);
    expect((await post({ uri: "s3://b/p", dest: "x", extra: true })).status).toBe(400);
    expect((await fetch(`${base}/v1/models/download/nope/events`)).status).toBe(404);
    expect(readdirSync(modelsRoot).sort()).toEqual(["qwen"]);
  });
});
