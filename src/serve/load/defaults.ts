/**
 * The serving load's defaults, declared once: `kitt bench serve`'s flags (`cli/options/serve.ts`)
 * and the `serve` suite test's settings (`bench/serve-test.ts`) both read them.
 */
import { DEFAULT_PERCENTILES } from "../metrics/serve-metrics.js";

export const SERVE_LOAD_DEFAULTS = {
  /** Requested output length in tokens. */
  outputTokens: 128,
  /** Lengths uniform within ±this fraction of the targets. */
  rangeRatio: 0,
  /** Requests per second; Infinity sends everything at once. */
  requestRate: Number.POSITIVE_INFINITY,
  /** Gamma shape of the arrival gaps; 1 is Poisson. */
  burstiness: 1,
  /** Requests sent before the measured window. */
  warmupRequests: 5,
  /** Seed of the data set and the arrivals. */
  seed: 0,
  percentiles: DEFAULT_PERCENTILES,
} as const;
