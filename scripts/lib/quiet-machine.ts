/**
 * Timing benchmarks on a small shared machine are only meaningful while nothing else is busy.
 * Waits until the rest of the machine (everything but this process) uses little CPU.
 */
import { machineBusyMs } from "../../src/serve/selftest/machine-load.js";

const SAMPLE_MS = 1_000;

/** CPU the rest of the machine used over one second, in percent of one core; null where unknown. */
async function otherLoadPercent(): Promise<number | null> {
  const machineBefore = machineBusyMs();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  const machineAfter = machineBusyMs();
  if (machineBefore === null || machineAfter === null) return null;
  const own = process.cpuUsage(ownBefore);
  const otherMs = machineAfter - machineBefore - (own.user + own.system) / 1000;
  return Math.max(0, (otherMs / (performance.now() - started)) * 100);
}

/**
 * Resolves once other work uses under `thresholdPercent` of a core, or after `maxWaitMs` with
 * the load last seen; `onWait` hears each busy reading.
 */
export async function waitForQuietMachine(
  thresholdPercent: number,
  maxWaitMs: number,
  onWait: (loadPercent: number) => void,
): Promise<number | null> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const load = await otherLoadPercent();
    if (load === null || load < thresholdPercent || performance.now() >= deadline) return load;
    onWait(load);
  }
}
