/**
 * What the agent tells the server about its machine: the engines it can start (images present,
 * the native llama-server build), each GPU's memory and utilisation, and the free space where
 * models go. Each probe has a time limit and answers "none" rather than failing.
 */
import { statfs } from "node:fs/promises";
import type { z } from "zod";
import { getEngineSpec, engineNames } from "../engines/registry.js";
import { runCommand, type CommandRunner } from "../hardware/command-runner.js";
import { numberCell, integerCell, parseCsvRows } from "../hardware/nvidia-smi-csv.js";
import { NVIDIA_SMI } from "../hardware/nvidia-gpus.js";
import { docker } from "../runtime/docker-cli.js";
import type { AgentEngineSchema, GpuStatusSchema } from "../server/agents/agent-protocol.js";
import { llamaServerInfo } from "../setup/llama-cpp-build.js";

export type AgentEngine = z.input<typeof AgentEngineSchema>;
export type GpuStatus = z.input<typeof GpuStatusSchema>;

const GPU_FIELDS = ["index", "memory.used", "memory.total", "utilization.gpu"] as const;
const MIB_PER_GB = 1024 ** 3 / 2 ** 20;

/** Engines with an image on this host or, for llama.cpp, the native build. */
export async function presentEngines(): Promise<AgentEngine[]> {
  const listing = await docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], { timeoutMs: 15_000 }).catch(() => undefined);
  const images = new Set(listing?.exitCode === 0 ? listing.stdout.split("\n").map((line) => line.trim()).filter(Boolean) : []);
  const native = (await llamaServerInfo().catch(() => undefined)) !== undefined;
  const engines: AgentEngine[] = [];
  for (const name of engineNames) {
    const spec = getEngineSpec(name);
    const known = [spec.defaultImage, spec.localBuildImage].filter((image): image is string => image !== undefined);
    const present = known.filter((image) => images.has(image) || images.has(`${image}:latest`));
    const isNative = name === "llama_cpp" && native;
    if (present.length > 0 || isNative) engines.push({ engine: name, images: present, native: isNative });
  }
  return engines;
}

/** Each NVIDIA GPU's memory in use and utilisation; none without nvidia-smi. */
export async function gpuStatus(run: CommandRunner = runCommand): Promise<GpuStatus[]> {
  const result = await run(NVIDIA_SMI, [`--query-gpu=${GPU_FIELDS.join(",")}`, "--format=csv,noheader,nounits"], { timeoutMs: 10_000 });
  if (result.failure !== undefined) return [];
  const gpus: GpuStatus[] = [];
  for (const row of parseCsvRows(result.stdout, GPU_FIELDS)) {
    const index = integerCell(row.index);
    if (index === undefined) continue;
    const used = numberCell(row["memory.used"]);
    const total = numberCell(row["memory.total"]);
    const utilization = numberCell(row["utilization.gpu"]);
    gpus.push({
      index,
      ...(used === undefined ? {} : { memory_used_gb: used / MIB_PER_GB }),
      ...(total === undefined ? {} : { memory_total_gb: total / MIB_PER_GB }),
      ...(utilization === undefined ? {} : { utilization_pct: Math.min(100, Math.max(0, utilization)) }),
    });
  }
  return gpus;
}

/** Free space (GB) on the disk of `dir`, or null when it cannot be read. */
export async function freeStorageGb(dir: string): Promise<number | null> {
  try {
    const stats = await statfs(dir);
    return (stats.bavail * stats.bsize) / 1024 ** 3;
  } catch {
    return null;
  }
}
