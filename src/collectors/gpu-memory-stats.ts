/**
 * Peak and average GPU memory over a run of samples. nvidia-smi prints one line per GPU per
 * interval; the lines of one interval form a tick, and a tick's total across GPUs is what a
 * model sharded over several GPUs occupies. Ticks cut off at either end of a window (stop or
 * mark mid-interval) are left out when complete ones exist, so they cannot drag the numbers down.
 */
import { roundTo } from "../hardware/units.js";

export interface GpuSample {
  /** Milliseconds since the sampler started. */
  t: number;
  gpu: number;
  used_gb: number;
}

export interface GpuMemoryPerGpu {
  gpu: number;
  peak_gb: number;
  avg_gb: number;
}

export interface GpuMemoryStats {
  /** Highest total across GPUs in one tick. */
  peak_gb: number;
  /** Mean of the per-tick totals. */
  avg_gb: number;
  per_gpu: GpuMemoryPerGpu[];
}

/** Consecutive samples, a new tick starting whenever a GPU index repeats. */
function groupTicks(samples: readonly GpuSample[]): GpuSample[][] {
  const ticks: GpuSample[][] = [];
  let current: GpuSample[] = [];
  for (const sample of samples) {
    if (current.some((seen) => seen.gpu === sample.gpu)) {
      ticks.push(current);
      current = [];
    }
    current.push(sample);
  }
  if (current.length > 0) ticks.push(current);
  return ticks;
}

function peakAndAverage(values: readonly number[]): { peak_gb: number; avg_gb: number } {
  // reduce, not Math.max(...values): hours of 100 ms samples would overflow the argument list.
  const peak = values.reduce((highest, value) => Math.max(highest, value), -Infinity);
  const sum = values.reduce((total, value) => total + value, 0);
  return { peak_gb: roundTo(peak, 3), avg_gb: roundTo(sum / values.length, 3) };
}

export function summarizeSamples(samples: readonly GpuSample[]): GpuMemoryStats | undefined {
  if (samples.length === 0) return undefined;
  const gpus = [...new Set(samples.map((sample) => sample.gpu))].sort((a, b) => a - b);
  const ticks = groupTicks(samples);
  const complete = ticks.filter((tick) => tick.length === gpus.length);
  const totals = (complete.length > 0 ? complete : ticks).map((tick) => tick.reduce((sum, sample) => sum + sample.used_gb, 0));
  const per_gpu = gpus.map((gpu) => ({
    gpu,
    ...peakAndAverage(samples.filter((sample) => sample.gpu === gpu).map((sample) => sample.used_gb)),
  }));
  return { ...peakAndAverage(totals), per_gpu };
}
