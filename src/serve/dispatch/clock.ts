/**
 * Clocks shared by the load generator's threads and processes. `performance.now()` counts from
 * each thread's own origin, so a run start is passed between threads (and to the self-test
 * server's process) on the monotonic clock behind `process.hrtime`, which is one clock for the
 * whole machine, and converted back to the local `performance.now()` scale.
 */

/** Milliseconds on the machine-wide monotonic clock. */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What to add to this thread's `performance.now()` to get the monotonic clock's reading. */
export function performanceToMonotonicMs(): number {
  const before = performance.now();
  const monotonic = monotonicNowMs();
  const after = performance.now();
  return monotonic - (before + after) / 2;
}

/** A monotonic-clock time as this thread's `performance.now()`. */
export function monotonicToPerformance(monotonicMs: number): number {
  return monotonicMs - performanceToMonotonicMs();
}
