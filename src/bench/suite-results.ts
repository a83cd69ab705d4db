/**
 * What a suite run produces, as plain JSON: one `TestResult` per test and run, and a
 * `SuiteSummary` at the end. These are the shapes stored in `metrics.json` and handed to
 * every `ResultSink`.
 */
import type { BenchmarkCategory, Metrics, ProgressEvent } from "./types.js";

export interface TestResult {
  test_name: string;
  test_version: string;
  category: BenchmarkCategory;
  /** 1-based. */
  run_number: number;
  passed: boolean;
  /** True when the test stopped part-way; `metrics` cover what completed. */
  partial: boolean;
  metrics: Metrics;
  errors: string[];
  warmup_times: number[];
  /** When the test started, ISO 8601 UTC. */
  timestamp: string;
  duration_seconds: number;
}

export interface PlannedTest {
  test_name: string;
  run_number: number;
}

export interface NotRunTest extends PlannedTest {
  reason: string;
}

/** `running` until the suite ends; a file left `running` means the process died mid-run. */
export type SuiteStatus = "running" | "completed" | "failed" | "interrupted";

export interface SuitePlan {
  suite_name: string;
  suite_version: string;
  runs: number;
  started_at: string;
  tests: PlannedTest[];
}

export interface SuiteSummary {
  suite_name: string;
  suite_version: string;
  /** `completed`: every planned test ran; `interrupted`: the user stopped it; `failed`: the engine died. */
  status: Exclude<SuiteStatus, "running">;
  /** Every planned test ran and passed. */
  passed: boolean;
  started_at: string;
  finished_at: string;
  total_time_seconds: number;
  results: TestResult[];
  not_run: NotRunTest[];
  /** Why the suite stopped early, or null. */
  stop_reason: string | null;
}

export type SuiteEvent =
  | { type: "test-start"; test_name: string; run_number: number; runs: number; index: number; total: number }
  | { type: "progress"; test_name: string; run_number: number; progress: ProgressEvent }
  | { type: "test-end"; result: TestResult }
  | { type: "suite-end"; summary: SuiteSummary };

/**
 * Where results go as they are produced. The runner awaits each call before the next test
 * starts, so whatever a sink persists survives a crash in a later test.
 */
export interface ResultSink {
  start(plan: SuitePlan): Promise<void> | void;
  onTestResult(result: TestResult): Promise<void> | void;
  finish(summary: SuiteSummary): Promise<void> | void;
}

/** One sink that feeds several, in order (e.g. the results folder, then the database). */
export function combineSinks(...sinks: ResultSink[]): ResultSink {
  return {
    async start(plan) {
      for (const sink of sinks) await sink.start(plan);
    },
    async onTestResult(result) {
      for (const sink of sinks) await sink.onTestResult(result);
    },
    async finish(summary) {
      for (const sink of sinks) await sink.finish(summary);
    },
  };
}
