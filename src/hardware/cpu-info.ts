/**
 * CPU model and core counts. Physical cores come from the distinct (physical id, core id)
 * pairs in /proc/cpuinfo; ARM kernels print neither id nor "model name", so there the model
 * comes from lscpu (several names on big.LITTLE parts such as the GB10).
 */
import { probeOutput } from "./command-runner.js";
import type { HostProbe } from "./host-probe.js";

export interface CpuInfo {
  model?: string;
  /** Physical cores; absent when the machine does not say. */
  cores?: number;
  /** Logical CPUs (hardware threads). */
  threads: number;
}

export interface ProcCpuinfo {
  model?: string;
  physicalCores?: number;
  threads: number;
}

export function parseProcCpuinfo(text: string): ProcCpuinfo {
  const blocks = text
    .split(/\n\s*\n/)
    .map(parseBlock)
    .filter((block) => block.has("processor"));
  const pairs = new Set<string>();
  for (const block of blocks) {
    const socket = block.get("physical id");
    const core = block.get("core id");
    if (socket !== undefined && core !== undefined) pairs.add(`${socket}:${core}`);
  }
  const allHaveIds = blocks.length > 0 && blocks.every((block) => block.has("physical id") && block.has("core id"));
  return {
    model: blocks.find((block) => block.get("model name"))?.get("model name"),
    physicalCores: allHaveIds ? pairs.size : undefined,
    threads: blocks.length,
  };
}

function parseBlock(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Distinct "Model name:" values from lscpu, joined: "Cortex-X925 + Cortex-A725". */
export function parseLscpuModel(text: string): string | undefined {
  const names = new Set<string>();
  for (const match of text.matchAll(/^\s*Model name:\s*(.+?)\s*$/gm)) {
    if (match[1] && match[1] !== "-") names.add(match[1]);
  }
  return names.size > 0 ? [...names].join(" + ") : undefined;
}

export async function probeCpu(host: HostProbe): Promise<CpuInfo> {
  const nodeModel = host.cpus[0]?.model.trim();
  const usableNodeModel = nodeModel && nodeModel.toLowerCase() !== "unknown" ? nodeModel : undefined;
  const threads = host.cpus.length;

  if (host.platform === "darwin") {
    const physical = await probeOutput(host.run, "sysctl", ["-n", "hw.physicalcpu"]);
    const cores = Number.parseInt(physical ?? "", 10);
    return { model: usableNodeModel, cores: Number.isFinite(cores) && cores > 0 ? cores : undefined, threads };
  }

  const cpuinfoText = await host.readFile("/proc/cpuinfo");
  const cpuinfo = cpuinfoText === undefined ? undefined : parseProcCpuinfo(cpuinfoText);
  let model = cpuinfo?.model ?? usableNodeModel;
  if (model === undefined) {
    const lscpu = await probeOutput(host.run, "lscpu", []);
    model = lscpu === undefined ? undefined : parseLscpuModel(lscpu);
  }
  const allThreads = threads || cpuinfo?.threads || 0;
  // Without core ids, ARM server and desktop cores (Neoverse, Grace, Cortex-X) have no SMT: one thread per core.
  const cores = cpuinfo?.physicalCores ?? (host.arch === "arm64" && allThreads > 0 ? allThreads : undefined);
  return { model, cores, threads: allThreads };
}
