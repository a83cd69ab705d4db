/**
 * The hardware fingerprint as written to `hardware.json`. Keys are snake_case and follow the
 * original KITT's file where they overlap. "gb" means GiB. A field the machine would not
 * reveal is absent, never a made-up zero.
 */
import type { CpuInfo } from "./cpu-info.js";
import type { EnvironmentType } from "./environment-type.js";
import type { StorageInfo } from "./storage.js";

export interface GpuDevice {
  index: number;
  uuid?: string;
  name: string;
  /** "major.minor", e.g. "9.0". */
  compute_capability?: string;
  memory_total_gb?: number;
  memory_used_gb?: number;
  memory_free_gb?: number;
  /** Memory shared with the CPU (GB10, Jetson): the memory figures are system RAM's. */
  unified_memory: boolean;
}

/** GPU 0 as a summary, plus how many GPUs there are. */
export interface GpuSummary {
  model: string;
  vram_gb?: number;
  count: number;
  compute_capability?: string;
  unified_memory: boolean;
}

export interface HardwareFingerprint {
  /** Absent without an NVIDIA GPU. */
  gpu?: GpuSummary;
  gpus: GpuDevice[];
  /** Why `gpus` is empty, e.g. "nvidia-smi not found". */
  gpu_unavailable_reason?: string;
  cpu: CpuInfo;
  ram_gb?: number;
  storage?: StorageInfo;
  /** Highest CUDA version the driver supports (nvidia-smi's banner). */
  cuda_version?: string;
  driver_version?: string;
  os?: string;
  kernel: string;
  arch: string;
  platform: NodeJS.Platform;
  environment_type: EnvironmentType;
}
