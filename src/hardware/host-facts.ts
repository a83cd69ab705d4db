/**
 * The few facts engine specs decide on (image choice, "cannot run here"), gathered with a single
 * quick nvidia-smi call instead of a full fingerprint.
 */
import { probeOutput } from "./command-runner.js";
import { systemHost, type HostProbe } from "./host-probe.js";
import { NVIDIA_SMI } from "./nvidia-gpus.js";

export interface HostFacts {
  arch: string;
  platform: NodeJS.Platform;
  /** Highest CUDA compute capability among the GPUs, e.g. 9.0; undefined without NVIDIA GPUs. */
  computeCapability?: number;
}

/** Highest compute capability in nvidia-smi's one-column `compute_cap` output, e.g. 9 or 12.1. */
export function maxComputeCapability(text: string): number | undefined {
  const values = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^\d+\.\d+$/.test(line))
    .map(Number);
  return values.length > 0 ? Math.max(...values) : undefined;
}

export async function hostFacts(host: Partial<HostProbe> = {}): Promise<HostFacts> {
  const probe = systemHost(host);
  const output = await probeOutput(probe.run, NVIDIA_SMI, ["--query-gpu=compute_cap", "--format=csv,noheader"]);
  const computeCapability = output === undefined ? undefined : maxComputeCapability(output);
  return { arch: probe.arch, platform: probe.platform, ...(computeCapability === undefined ? {} : { computeCapability }) };
}

/** True when nvidia-smi runs and lists at least one GPU. */
export async function hasNvidiaGpu(host: Partial<HostProbe> = {}): Promise<boolean> {
  const output = await probeOutput(systemHost(host).run, NVIDIA_SMI, ["--query-gpu=index", "--format=csv,noheader"]);
  return output !== undefined && output.split(/\r?\n/).some((line) => /^\d+$/.test(line.trim()));
}
