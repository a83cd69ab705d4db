/**
 * The per-GPU inventory query and its parser. Older drivers (R470) do not know the
 * `compute_cap` field and reject the whole query, so a variant without it exists.
 */
import { integerCell, numberCell, parseCsvRows } from "./nvidia-smi-csv.js";

export const GPU_QUERY_FIELDS = [
  "index",
  "uuid",
  "name",
  "compute_cap",
  "memory.total",
  "memory.used",
  "memory.free",
  "driver_version",
] as const;

export const GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP = GPU_QUERY_FIELDS.filter((field) => field !== "compute_cap");

export type GpuQueryField = (typeof GPU_QUERY_FIELDS)[number];

export function gpuQueryArgs(fields: readonly GpuQueryField[]): string[] {
  return [`--query-gpu=${fields.join(",")}`, "--format=csv,noheader,nounits"];
}

/** One GPU as nvidia-smi reports it; memory in MiB, absent where the device reports `[N/A]`. */
export interface NvidiaGpu {
  index: number;
  uuid?: string;
  name: string;
  /** "major.minor", e.g. "9.0"; absent on drivers that cannot report it. */
  computeCapability?: string;
  memoryTotalMiB?: number;
  memoryUsedMiB?: number;
  memoryFreeMiB?: number;
  driverVersion?: string;
}

export function parseGpuQuery(text: string, fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS): NvidiaGpu[] {
  const gpus: NvidiaGpu[] = [];
  for (const row of parseCsvRows(text, fields, "name")) {
    const index = integerCell(row.index);
    const name = row.name;
    if (index === undefined || name === undefined) continue;
    const computeCapability = row.compute_cap !== undefined && /^\d+\.\d+$/.test(row.compute_cap) ? row.compute_cap : undefined;
    gpus.push({
      index,
      uuid: row.uuid,
      name,
      computeCapability,
      memoryTotalMiB: numberCell(row["memory.total"]),
      memoryUsedMiB: numberCell(row["memory.used"]),
      memoryFreeMiB: numberCell(row["memory.free"]),
      driverVersion: row.driver_version,
    });
  }
  return gpus;
}

/**
 * Unified-memory GPUs (GB10 / DGX Spark, Jetson) share system RAM: nvidia-smi answers `[N/A]`
 * for every memory field while the device is otherwise fully reported.
 */
export function hasUnifiedMemory(gpu: NvidiaGpu): boolean {
  return gpu.memoryTotalMiB === undefined && gpu.computeCapability !== undefined;
}

/** nvidia-smi's answer when a field is unknown to this driver (printed on stdout, exit code 2). */
export function isUnknownFieldError(output: string): boolean {
  return /is not a valid field to query/i.test(output);
}
