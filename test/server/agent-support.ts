/** Speaking the agent protocol to a test server, and the results folders an agent uploads. */
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { agentPaths, HeartbeatResponseSchema, RegisterResponseSchema } from "../../src/server/agents/agent-protocol.js";
import { storeFixtures, type TestServer } from "./support.js";

export const HARDWARE = { gpus: [{ index: 0, model: "NVIDIA H100 80GB HBM3", memory_gb: 80 }], cpu: { model: "test CPU", cores: 16 }, ram_gb: 128 };

export function registration(name: string, extra: Record<string, unknown> = {}) {
  return { name, kitt_version: "0.1.0", hardware: HARDWARE, engines: [{ engine: "llama_cpp", images: ["kitt/llama-cpp:test"], native: true }], ...extra };
}

export const idleBeat = { status: "idle", running_job: null, gpus: [{ index: 0, memory_used_gb: 1, memory_total_gb: 80, utilization_pct: 3 }], free_model_storage_gb: 512, kitt_version: "0.1.0" };

export function postJson(web: TestServer, path: string, body: unknown, token?: string): Promise<Response> {
  return web.fetch(path, { method: "POST", token, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** Registers with a code; the answer checked against the protocol's schema. */
export async function enrolWithCode(web: TestServer, code: string, name: string): Promise<{ agent_id: string; token: string }> {
  const response = await postJson(web, agentPaths.register, registration(name, { code }));
  expect(response.status, await response.clone().text()).toBe(200);
  const answer = RegisterResponseSchema.parse(await response.json());
  expect(answer.token).toBeDefined();
  return { agent_id: answer.agent_id, token: answer.token! };
}

export async function heartbeat(web: TestServer, token: string, beat: unknown = idleBeat) {
  const response = await postJson(web, agentPaths.heartbeat, beat, token);
  expect(response.status, await response.clone().text()).toBe(200);
  return HeartbeatResponseSchema.parse(await response.json());
}

/** A copy of the fixture run with its own run id (in config.json) and start time, packed as .tar.gz. */
export async function resultsTarball(options: { runId?: string; startedAt?: string } = {}): Promise<{ runId: string; body: Buffer; sha256: string }> {
  const runId = options.runId ?? randomUUID();
  const root = await mkdtemp(join(tmpdir(), "kitt-agent-results-"));
  const dir = join(root, `run-${runId}`);
  await cp(join(storeFixtures, "kitt-run"), dir, { recursive: true });
  const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  await writeFile(join(dir, "config.json"), JSON.stringify({ ...config, run_id: runId }, null, 2));
  const metrics = JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as Record<string, unknown>;
  await writeFile(join(dir, "metrics.json"), JSON.stringify({ ...metrics, timestamp: options.startedAt ?? new Date().toISOString() }, null, 2));
  const body = execFileSync("tar", ["-czf", "-", "-C", root, `run-${runId}`]);
  return { runId, body, sha256: createHash("sha256").update(body).digest("hex") };
}

export function uploadResults(web: TestServer, token: string, jobId: string, upload: { runId: string; body: Buffer; sha256: string }): Promise<Response> {
  return web.fetch(agentPaths.jobResults(jobId), {
    method: "PUT",
    token,
    headers: { "content-type": "application/gzip", "x-kitt-sha256": upload.sha256, "x-kitt-run-id": upload.runId },
    body: upload.body,
  });
}
