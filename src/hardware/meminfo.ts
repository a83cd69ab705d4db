/** `/proc/meminfo`: system RAM, and on unified-memory GPUs the GPU's memory too. */

export const MEMINFO_PATH = "/proc/meminfo";

export interface Meminfo {
  totalKiB?: number;
  availableKiB?: number;
}

export function parseMeminfo(text: string): Meminfo {
  const field = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, "m").exec(text);
    return match ? Number(match[1]) : undefined;
  };
  return { totalKiB: field("MemTotal"), availableKiB: field("MemAvailable") };
}

/** Memory in use by everything (CPU and, on unified memory, GPU): MemTotal − MemAvailable. */
export function usedKiB(meminfo: Meminfo): number | undefined {
  if (meminfo.totalKiB === undefined || meminfo.availableKiB === undefined) return undefined;
  return meminfo.totalKiB - meminfo.availableKiB;
}
