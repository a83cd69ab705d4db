/**
 * An agent's stored hardware fingerprint, engines and last heartbeat for people. The fingerprint
 * is what the agent sent (`hardware.json`'s shape from a kitt agent), so every field is read
 * defensively: a field that is missing or of another type is left out, never guessed.
 */
import { gpuCountLabel, summarizeFingerprint, type SummaryLine } from "../../hardware/fingerprint-summary.js";
import type { HardwareFingerprint } from "../../hardware/types.js";
import { isObject, type JsonValue } from "../../json.js";

/** "2 × NVIDIA H100 80GB HBM3" (several models joined by commas), or "no GPU". */
export function gpuSummary(hardware: JsonValue): string {
  if (!isObject(hardware)) return "unknown";
  const { gpu, gpus } = hardware;
  if (isObject(gpu) && typeof gpu.model === "string" && typeof gpu.count === "number") return gpuCountLabel({ model: gpu.model, count: gpu.count });
  const counts = new Map<string, number>();
  for (const device of Array.isArray(gpus) ? gpus : []) {
    const name = isObject(device) ? (text(device.name) ?? text(device.model)) : undefined;
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  if (counts.size === 0) return "no GPU";
  return [...counts].map(([model, count]) => gpuCountLabel({ model, count })).join(", ");
}

/** The fingerprint summary `kitt fingerprint --verbose` prints, when the fingerprint is a whole one. */
export function hardwareLines(hardware: JsonValue): SummaryLine[] | undefined {
  if (!isObject(hardware)) return undefined;
  const { cpu, gpus } = hardware;
  const whole = isObject(cpu) && typeof cpu.threads === "number" && Array.isArray(gpus) && typeof hardware.kernel === "string" && typeof hardware.arch === "string";
  return whole ? summarizeFingerprint(hardware as unknown as HardwareFingerprint, { verbose: true }) : undefined;
}

export interface AgentEngine {
  engine: string;
  images: string[];
  native: boolean;
}

/** The engines the agent registered with (`AgentEngineSchema`'s shape). */
export function agentEngines(engines: JsonValue): AgentEngine[] {
  if (!Array.isArray(engines)) return [];
  return engines.flatMap((entry) => {
    if (!isObject(entry) || typeof entry.engine !== "string") return [];
    const images = Array.isArray(entry.images) ? entry.images.filter((image): image is string => typeof image === "string") : [];
    return [{ engine: entry.engine, images, native: entry.native === true }];
  });
}

export interface GpuStatus {
  index: number;
  memory_used_gb?: number;
  memory_total_gb?: number;
  utilization_pct?: number;
}

/** The last heartbeat's GPUs and free model storage (`HeartbeatSchema`'s fields the server keeps). */
export function lastStatus(status: JsonValue): { gpus: GpuStatus[]; freeModelStorageGb: number | undefined } {
  if (!isObject(status)) return { gpus: [], freeModelStorageGb: undefined };
  const gpus = (Array.isArray(status.gpus) ? status.gpus : []).flatMap((gpu) =>
    isObject(gpu) && typeof gpu.index === "number"
      ? [{ index: gpu.index, memory_used_gb: number(gpu.memory_used_gb), memory_total_gb: number(gpu.memory_total_gb), utilization_pct: number(gpu.utilization_pct) }]
      : [],
  );
  return { gpus, freeModelStorageGb: number(status.free_model_storage_gb) };
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function number(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" ? value : undefined;
}
