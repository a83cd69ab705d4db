/**
 * The contract every benchmark implements. A benchmark gets a started engine and its merged
 * test config, and returns plain-JSON metrics (nested objects and arrays allowed) that the
 * results folder and database store as they are.
 *
 * Two ways out of `run()`, on purpose:
 * - It throws when nothing was measured (bad config, warmup failed, engine gone at once).
 * - It returns an outcome with `partial: true` and `cause` when it stopped part-way: the
 *   measurements that completed are kept, and the runner reads `cause` to decide whether the
 *   rest of the suite can still run (see `isFatal`).
 */
import type { z } from "zod";
import type { Engine } from "../engines/engine.js";
import type { Metrics } from "../metrics.js";

export type { Metrics };

export type BenchmarkCategory = "performance" | "quality";

export interface ProgressEvent {
  /** `prepare`: work before the test proper, such as downloading its data. */
  phase: "prepare" | "warmup" | "measure";
  completed: number;
  total: number;
  /** Of `completed`, how many failed (shown beside the count when any did). */
  failed?: number;
  /** One short line about the step that just finished. */
  message?: string;
}

export interface BenchmarkContext<Config> {
  engine: Engine;
  /** The test's config: benchmark defaults ← suite global_config ← sampling_overrides ← test_overrides. */
  config: Config;
  signal: AbortSignal;
  onProgress(event: ProgressEvent): void;
  /** False when the user asked to skip warmup (`--skip-warmup`). */
  warmup: boolean;
  /** Which run of the test this is (1 when absent); repeated runs keep checkpoints of their own. */
  runNumber?: number;
}

export interface BenchmarkOutcome {
  metrics: Metrics;
  errors: string[];
  /** Milliseconds per warmup call; empty when warmup was skipped. */
  warmupTimes: number[];
  passed: boolean;
  /** True when the benchmark stopped before finishing; `metrics` cover what completed. */
  partial?: boolean;
  /** The error that stopped the benchmark early, for the runner to classify. Never persisted. */
  cause?: unknown;
}

/**
 * `configSchema` is a zod object whose every field has a default, so `configSchema.parse({})`
 * yields the benchmark's defaults. Unknown keys are stripped: suite-wide settings may name
 * keys that only some tests use.
 */
export interface Benchmark<Schema extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly category: BenchmarkCategory;
  readonly version: string;
  readonly description: string;
  readonly configSchema: Schema;
  /** Metric keys worth a column in summaries, most important first. */
  readonly headlineMetrics: readonly string[];
  run(ctx: BenchmarkContext<z.output<Schema>>): Promise<BenchmarkOutcome>;
}
