/**
 * GPU memory over a whole run, once a second, for the report's "GPU memory over time" chart
 * (the memory_usage test samples ten times a second, but only while it runs). A run of an
 * engine kitt did not start (`--url`) is not watched: its GPUs may be another machine's.
 */
import { GpuMemorySampler, type GpuMemoryReport } from "../collectors/gpu-sampler.js";
import type { PreparedEngine } from "../engines/launch.js";

/** One reading a second for up to two hours per GPU; a longer run keeps its whole span, thinned. */
const INTERVAL_MS = 1_000;
const MAX_SAMPLES_PER_GPU = 7_200;

export interface GpuMemoryWatch extends AsyncDisposable {
  report(): GpuMemoryReport;
  stop(): Promise<GpuMemoryReport>;
}

export async function watchGpuMemory(prepared: PreparedEngine): Promise<GpuMemoryWatch> {
  if (prepared.runtime === "endpoint") {
    const report: GpuMemoryReport = { available: false, reason: "not sampled: kitt did not start this engine (--url)" };
    return { report: () => report, stop: async () => report, [Symbol.asyncDispose]: async () => {} };
  }
  const sampler = new GpuMemorySampler({ intervalMs: INTERVAL_MS, maxSamplesPerGpu: MAX_SAMPLES_PER_GPU });
  await sampler.start();
  return { report: () => sampler.snapshot(), stop: () => sampler.stop(), [Symbol.asyncDispose]: () => sampler[Symbol.asyncDispose]() };
}
