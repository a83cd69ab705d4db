/**
 * Agents simulated over the real protocol, for the speed scripts: each enrolled with its own
 * single-use code (`POST /api/v1/agents/enrolments`, then `register` with a real-sized hardware
 * fingerprint and engine list), then heartbeating with what `kitt agent` sends.
 */
import type { Pool } from "undici";
import type { HardwareFingerprint } from "../../src/hardware/types.js";
import { kittVersion } from "../../src/package-root.js";
import { agentPaths, type AgentEngineSchema, type HeartbeatSchema } from "../../src/server/agents/agent-protocol.js";
import type { z } from "@hono/zod-openapi";

export interface SimulatedAgent {
  id: string;
  token: string;
  hardware: HardwareFingerprint;
}

export interface JsonAnswer {
  status: number;
  body: unknown;
}

const ENGINES: Array<z.input<typeof AgentEngineSchema>> = [
  { engine: "vllm", images: ["vllm/vllm-openai:v0.11.0", "vllm/vllm-openai:v0.10.2"], native: false },
  { engine: "llama_cpp", images: ["ghcr.io/ggml-org/llama.cpp:server-cuda"], native: true },
  { engine: "sglang", images: ["lmsysorg/sglang:v0.5.3-cu129"], native: false },
  { engine: "ollama", images: [], native: true },
];

/** POSTs JSON through the pool, with a bearer token if given; any answer comes back, only a failure to get one throws. */
export async function postJson(pool: Pool, path: string, body: unknown, token: string | undefined, timeoutMs: number): Promise<JsonAnswer> {
  const response = await pool.request({
    path,
    method: "POST",
    headers: token === undefined ? { "content-type": "application/json" } : { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the error message.
  }
  return { status: response.statusCode, body: parsed };
}

/**
 * Enrols `count` agents named `{prefix}-{n}` with a person's token, `concurrency` at a time,
 * their hardware taken in turn from `machines`.
 */
export async function enrolAgents(
  pool: Pool,
  options: { humanToken: string; count: number; machines: readonly HardwareFingerprint[]; prefix: string; concurrency?: number; timeoutMs?: number },
): Promise<SimulatedAgent[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agents: SimulatedAgent[] = new Array<SimulatedAgent>(options.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      const n = next++;
      const name = `${options.prefix}-${n}`;
      const enrolment = await postJson(pool, "/api/v1/agents/enrolments", { name }, options.humanToken, timeoutMs);
      if (enrolment.status !== 201) throw new Error(`POST /api/v1/agents/enrolments: HTTP ${enrolment.status} ${JSON.stringify(enrolment.body)}`);
      const { code } = enrolment.body as { code: string };
      const hardware = options.machines[n % options.machines.length]!;
      const registration = { code, name, kitt_version: kittVersion(), hardware, engines: ENGINES };
      const registered = await postJson(pool, agentPaths.register, registration, undefined, timeoutMs);
      if (registered.status !== 200) throw new Error(`POST ${agentPaths.register}: HTTP ${registered.status} ${JSON.stringify(registered.body)}`);
      const { agent_id, token } = registered.body as { agent_id: string; token: string };
      agents[n] = { id: agent_id, token, hardware };
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return agents;
}

/** A heartbeat as `kitt agent` sends it: idle, each GPU's memory and utilisation, free model storage. */
export function heartbeatBody(agent: SimulatedAgent): string {
  const beat: z.input<typeof HeartbeatSchema> = {
    status: "idle",
    running_job: null,
    gpus: agent.hardware.gpus.map((gpu) => {
      const total = gpu.memory_total_gb ?? 80;
      return { index: gpu.index, memory_used_gb: Math.round(Math.random() * total * 10) / 10, memory_total_gb: total, utilization_pct: Math.floor(Math.random() * 101) };
    }),
    free_model_storage_gb: 1843.2,
    kitt_version: kittVersion(),
  };
  return JSON.stringify(beat);
}
