/**
 * Collects the hardware fingerprint stored with every run. Each probe runs on its own and
 * fails on its own: a missing command or file leaves that field absent and nothing else.
 */
import { resultsDir } from "../config/paths.js";
import { probeCpu } from "./cpu-info.js";
import { probeEnvironmentType } from "./environment-type.js";
import { systemHost, type HostProbe } from "./host-probe.js";
import { MEMINFO_PATH, parseMeminfo, usedKiB, type Meminfo } from "./meminfo.js";
import { hasUnifiedMemory, type NvidiaGpu } from "./nvidia-gpu-query.js";
import { probeNvidiaGpus } from "./nvidia-gpus.js";
import { probeOsName } from "./os-name.js";
import { probeStorage } from "./storage.js";
import type { GpuDevice, GpuSummary, HardwareFingerprint } from "./types.js";
import { kibToGb, mibToGb, roundTo } from "./units.js";

export interface FingerprintOptions {
  /** Replaces parts of the machine (tests present recorded machines this way). */
  host?: Partial<HostProbe>;
  /** Directory whose disk is described; defaults to the results directory. */
  storagePath?: string;
}

export async function collectFingerprint(options: FingerprintOptions = {}): Promise<HardwareFingerprint> {
  const host = systemHost(options.host);
  const [nvidia, meminfoText, cpu, os, storage] = await Promise.all([
    probeNvidiaGpus(host.run),
    host.platform === "linux" ? host.readFile(MEMINFO_PATH) : Promise.resolve(undefined),
    probeCpu(host),
    probeOsName(host),
    probeStorage(host, options.storagePath ?? resultsDir(host.env)),
  ]);
  const meminfo = meminfoText === undefined ? {} : parseMeminfo(meminfoText);
  const gpus = nvidia.gpus.map((gpu) => toGpuDevice(gpu, meminfo));
  const ramKiB = meminfo.totalKiB ?? host.totalMemoryBytes / 1024;

  return {
    gpu: summarizeGpus(gpus),
    gpus,
    gpu_unavailable_reason: nvidia.unavailableReason,
    cpu,
    ram_gb: ramKiB > 0 ? roundTo(kibToGb(ramKiB), 1) : undefined,
    storage,
    cuda_version: nvidia.cudaVersion,
    driver_version: nvidia.driverVersion,
    os,
    kernel: host.kernel,
    arch: host.arch,
    platform: host.platform,
    environment_type: await probeEnvironmentType(host, gpus.map((gpu) => gpu.name)),
  };
}

function toGpuDevice(gpu: NvidiaGpu, meminfo: Meminfo): GpuDevice {
  const gb = (mib: number | undefined) => (mib === undefined ? undefined : roundTo(mibToGb(mib), 2));
  const device: GpuDevice = {
    index: gpu.index,
    uuid: gpu.uuid,
    name: gpu.name,
    compute_capability: gpu.computeCapability,
    memory_total_gb: gb(gpu.memoryTotalMiB),
    memory_used_gb: gb(gpu.memoryUsedMiB),
    memory_free_gb: gb(gpu.memoryFreeMiB),
    unified_memory: hasUnifiedMemory(gpu),
  };
  if (device.unified_memory) {
    const kib = (value: number | undefined) => (value === undefined ? undefined : roundTo(kibToGb(value), 2));
    device.memory_total_gb = kib(meminfo.totalKiB);
    device.memory_used_gb = kib(usedKiB(meminfo));
    device.memory_free_gb = kib(meminfo.availableKiB);
  }
  return device;
}

function summarizeGpus(gpus: readonly GpuDevice[]): GpuSummary | undefined {
  const first = gpus[0];
  if (!first) return undefined;
  return {
    model: first.name,
    vram_gb: first.memory_total_gb === undefined ? undefined : roundTo(first.memory_total_gb, 1),
    count: gpus.length,
    compute_capability: first.compute_capability,
    unified_memory: first.unified_memory,
  };
}
