/**
 * One line of the sampler's streaming nvidia-smi query. A GPU whose memory fields read `[N/A]`
 * has unified memory (GB10, Jetson) and must be measured from /proc/meminfo instead.
 */
import { integerCell, numberCell, parseCsvRows } from "../hardware/nvidia-smi-csv.js";

export const SAMPLE_FIELDS = ["index", "memory.used", "memory.total", "utilization.gpu"] as const;

export function samplerArgs(intervalMs: number): string[] {
  return [`--query-gpu=${SAMPLE_FIELDS.join(",")}`, "--format=csv,noheader,nounits", "-lms", String(intervalMs)];
}

export type SampleLine =
  | { kind: "memory"; gpu: number; usedMiB: number; totalMiB?: number; utilizationPct?: number }
  | { kind: "unified"; gpu: number };

export function parseSampleLine(line: string): SampleLine | undefined {
  const row = parseCsvRows(line, SAMPLE_FIELDS)[0];
  const gpu = integerCell(row?.index);
  if (!row || gpu === undefined) return undefined;
  const usedMiB = numberCell(row["memory.used"]);
  const totalMiB = numberCell(row["memory.total"]);
  if (usedMiB === undefined) return totalMiB === undefined ? { kind: "unified", gpu } : undefined;
  return { kind: "memory", gpu, usedMiB, totalMiB, utilizationPct: numberCell(row["utilization.gpu"]) };
}
