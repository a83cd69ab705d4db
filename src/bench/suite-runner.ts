/**
 * Runs a suite's tests in order, each its `runs` times, against one started engine.
 *
 * A test that fails is recorded and the next one starts. Two things end the suite early: the
 * signal is aborted (status `interrupted`), or the engine died (status `failed`); the tests
 * left are listed as not run. Each result goes to the sink before the next test starts.
 */
import type { z } from "zod";
import type { Engine } from "../engines/engine.js";
import { describeError, InterruptedError, KittError } from "../errors.js";
import { isFatal } from "../fatal-errors.js";
import { BUILTIN_BENCHMARKS, getBenchmark, type BenchmarkRegistry } from "./registry.js";
import type { NotRunTest, PlannedTest, ResultSink, SuiteEvent, SuiteSummary, TestResult } from "./suite-results.js";
import { benchmarkConfig, testRuns, type Suite } from "./suite.js";
import type { Benchmark, BenchmarkOutcome } from "./types.js";

export interface RunSuiteOptions {
  engine: Engine;
  suite: Suite;
  registry?: BenchmarkRegistry;
  /** Runs of every test (`--runs`); else each test's own `runs`, else the suite's. */
  runs?: number;
  skipWarmup?: boolean;
  signal?: AbortSignal;
  onEvent?(event: SuiteEvent): void;
  sink?: ResultSink;
}

interface PreparedTest {
  benchmark: Benchmark;
  config: z.output<Benchmark["configSchema"]>;
  runs: number;
}

type Stop = { status: "interrupted" | "failed"; reason: string };

export async function runSuite(options: RunSuiteOptions): Promise<SuiteSummary> {
  const { suite, sink } = options;
  const runs = options.runs ?? suite.runs;
  if (!Number.isInteger(runs) || runs < 1) throw new KittError("USAGE", `runs must be a whole number of at least 1, not ${runs}`);
  const signal = options.signal ?? new AbortController().signal;
  const registry = options.registry ?? BUILTIN_BENCHMARKS;
  // Every config is checked before the first test starts, so a typo cannot waste a long run.
  const prepared = new Map<string, PreparedTest>();
  for (const test of suite.tests) {
    const benchmark = getBenchmark(registry, test.name);
    prepared.set(test.name, { benchmark, config: benchmarkConfig(benchmark, suite), runs: testRuns(suite, test, options.runs) });
  }
  const plan: PlannedTest[] = [...prepared.values()].flatMap((test) =>
    Array.from({ length: test.runs }, (_, run) => ({ test_name: test.benchmark.name, run_number: run + 1 })),
  );

  const startedAt = new Date();
  const started = performance.now();
  await sink?.start({
    suite_name: suite.suite_name,
    suite_version: suite.version,
    runs,
    started_at: startedAt.toISOString(),
    tests: plan,
  });

  const results: TestResult[] = [];
  const notRun: NotRunTest[] = [];
  let stop: Stop | undefined;
  for (const [index, planned] of plan.entries()) {
    if (stop === undefined && signal.aborted) stop = { status: "interrupted", reason: describeError(signal.reason) };
    if (stop !== undefined) {
      notRun.push({ ...planned, reason: stop.reason });
      continue;
    }
    const test = prepared.get(planned.test_name) as PreparedTest;
    options.onEvent?.({ type: "test-start", ...planned, runs: test.runs, index, total: plan.length });
    const { result, fatal } = await runTest(test, planned.run_number, options, signal);
    results.push(result);
    await sink?.onTestResult(result);
    options.onEvent?.({ type: "test-end", result });
    if (fatal !== undefined) stop = stopFor(fatal.error, signal);
  }

  const summary: SuiteSummary = {
    suite_name: suite.suite_name,
    suite_version: suite.version,
    status: stop?.status ?? "completed",
    passed: stop === undefined && results.length > 0 && results.every((result) => result.passed),
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    total_time_seconds: (performance.now() - started) / 1000,
    results,
    not_run: notRun,
    stop_reason: stop?.reason ?? null,
  };
  await sink?.finish(summary);
  options.onEvent?.({ type: "suite-end", summary });
  return summary;
}

/** Runs one test; `fatal` is set when the suite cannot go on after it. */
async function runTest(
  test: PreparedTest,
  runNumber: number,
  options: RunSuiteOptions,
  signal: AbortSignal,
): Promise<{ result: TestResult; fatal?: { error: unknown } }> {
  const { benchmark } = test;
  const timestamp = new Date().toISOString();
  const started = performance.now();
  let outcome: BenchmarkOutcome;
  let fatal: { error: unknown } | undefined;
  try {
    outcome = await benchmark.run({
      engine: options.engine,
      config: test.config,
      signal,
      warmup: !options.skipWarmup,
      runNumber,
      onProgress: (progress) =>
        options.onEvent?.({ type: "progress", test_name: benchmark.name, run_number: runNumber, progress }),
    });
    if (outcome.partial && isFatal(outcome.cause, signal)) fatal = { error: outcome.cause };
  } catch (error) {
    outcome = { metrics: {}, errors: [describeError(error)], warmupTimes: [], passed: false };
    if (isFatal(error, signal)) fatal = { error };
  }
  const result: TestResult = {
    test_name: benchmark.name,
    test_version: benchmark.version,
    category: benchmark.category,
    run_number: runNumber,
    passed: outcome.passed && !outcome.partial,
    partial: outcome.partial ?? false,
    metrics: outcome.metrics,
    errors: outcome.errors,
    warmup_times: outcome.warmupTimes,
    timestamp,
    duration_seconds: (performance.now() - started) / 1000,
  };
  return { result, fatal };
}

function stopFor(error: unknown, signal: AbortSignal): Stop {
  const interrupted = signal.aborted || error instanceof InterruptedError;
  const reason = describeError(signal.aborted ? signal.reason : error);
  return { status: interrupted ? "interrupted" : "failed", reason };
}
