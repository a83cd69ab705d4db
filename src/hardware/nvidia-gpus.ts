/**
 * Asks nvidia-smi for the GPU inventory and the driver's CUDA version. No GPU, no driver or
 * no nvidia-smi all end the same way: an empty list and a reason a person can read.
 */
import type { CommandRunner } from "./command-runner.js";
import {
  GPU_QUERY_FIELDS,
  GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP,
  gpuQueryArgs,
  isUnknownFieldError,
  parseGpuQuery,
  type GpuQueryField,
  type NvidiaGpu,
} from "./nvidia-gpu-query.js";
import { parseNvidiaSmiHeader } from "./nvidia-smi-header.js";

export const NVIDIA_SMI = "nvidia-smi";

export interface NvidiaInventory {
  gpus: NvidiaGpu[];
  driverVersion?: string;
  cudaVersion?: string;
  /** Why `gpus` is empty, e.g. "nvidia-smi not found". */
  unavailableReason?: string;
}

export async function probeNvidiaGpus(run: CommandRunner): Promise<NvidiaInventory> {
  let fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS;
  let result = await run(NVIDIA_SMI, gpuQueryArgs(fields));
  if (result.failure !== undefined && isUnknownFieldError(result.stdout)) {
    fields = GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP;
    result = await run(NVIDIA_SMI, gpuQueryArgs(fields));
  }
  if (result.failure === "not found") return { gpus: [], unavailableReason: `${NVIDIA_SMI} not found` };
  if (result.failure !== undefined) {
    // nvidia-smi explains itself on stdout ("NVIDIA-SMI has failed because it couldn't communicate…").
    return { gpus: [], unavailableReason: `${NVIDIA_SMI}: ${firstLine(result.stdout) ?? result.failure}` };
  }
  const gpus = parseGpuQuery(result.stdout, fields);
  if (gpus.length === 0) return { gpus, unavailableReason: `${NVIDIA_SMI} listed no GPUs` };

  const banner = await run(NVIDIA_SMI, []);
  const header = banner.failure === undefined ? parseNvidiaSmiHeader(banner.stdout) : {};
  return {
    gpus,
    driverVersion: gpus.find((gpu) => gpu.driverVersion)?.driverVersion ?? header.driverVersion,
    cudaVersion: header.cudaVersion,
  };
}

function firstLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== "");
}
