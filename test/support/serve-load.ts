/** The load settings a serving test usually wants: unpaced, unlimited, greedy, in kitt's own thread. */
export const UNPACED_LOAD = {
  requestRate: Number.POSITIVE_INFINITY,
  distribution: "poisson",
  burstiness: 1,
  maxConcurrency: Number.POSITIVE_INFINITY,
  durationMs: Number.POSITIVE_INFINITY,
  maxErrors: Number.POSITIVE_INFINITY,
  maxErrorRate: 1,
  ignoreEos: true,
  temperature: 0,
  seed: 0,
  workers: 0,
} as const;
