/**
 * A `ResultSink` that writes a `kitt run` into the database as it goes, through a `StoreQueue`:
 * the run row at the start (with the run's id and results folder), each test in its own
 * transaction as it completes, the status at the end. A killed process leaves the run
 * `running` with its whole tests, which `markStaleRuns` later turns into `interrupted`.
 * A database failure never fails the run (see `StoreQueue`).
 */
import type { ResultSink, SuitePlan, SuiteSummary, TestResult } from "../bench/suite-results.js";
import { itemsFileName, readItemsText } from "../results/items-file.js";
import type { MetricsFile } from "../results/metrics-file.js";
import { jsonDocument } from "./run-export.js";
import type { RunMeta } from "./run-record.js";
import type { StoreQueue } from "./store-queue.js";

export interface StoreSinkOptions {
  queue: StoreQueue;
  /** The id the results folder's `config.json` carries. */
  runId: string;
  resultsDir: string;
  /** Model, engine, runtime, versions: the rest comes from the plan and the files below. */
  meta: Omit<RunMeta, "id" | "kind" | "live" | "resultsDir" | "documents" | "startedAt" | "suite" | "suiteVersion" | "config" | "hardware">;
  /** `config.json` and `hardware.json` as the results folder writes them (`ConfigFile`, fingerprint). */
  configFile: unknown;
  hardware: unknown;
  /** The results folder's `metrics.json` at the end (`ResultsFolder.snapshot`), kept for exact export. */
  metricsSnapshot?: () => MetricsFile;
}

export class StoreSink implements ResultSink {
  private readonly options: StoreSinkOptions;

  constructor(options: StoreSinkOptions) {
    this.options = options;
  }

  async start(plan: SuitePlan): Promise<void> {
    const { options } = this;
    options.queue.enqueue((store) =>
      store.beginRun({
        ...options.meta,
        id: options.runId,
        kind: "run",
        live: true,
        resultsDir: options.resultsDir,
        startedAt: Date.parse(plan.started_at),
        suite: plan.suite_name,
        suiteVersion: plan.suite_version,
        documents: { "config.json": jsonDocument(options.configFile), "hardware.json": jsonDocument(options.hardware) },
        hardware: options.hardware,
        config: options.configFile,
      }),
    );
  }

  async onTestResult(result: TestResult): Promise<void> {
    const items = await readItemsText(result);
    const test = items === undefined ? result : { ...result, sampleFiles: { [itemsFileName(result.test_name, result.run_number)]: items } };
    this.options.queue.enqueue((store) => store.recordTest(this.options.runId, test));
  }

  async finish(summary: SuiteSummary): Promise<void> {
    const snapshot = this.options.metricsSnapshot?.();
    this.options.queue.enqueue((store) =>
      store.finishRun(this.options.runId, {
        status: summary.status,
        finishedAt: Date.parse(summary.finished_at),
        passed: summary.passed,
        stopReason: summary.stop_reason,
        documents: snapshot ? { "metrics.json": jsonDocument(snapshot) } : undefined,
      }),
    );
  }
}

/** What to tell the user when results could not be stored. */
export function storeFailureHint(resultsDir: string, storeDescription: string, failure: unknown): string {
  const reason = failure instanceof Error ? failure.message : String(failure);
  return `results not stored in ${storeDescription} (${reason}); they are in ${resultsDir}: run \`kitt storage import ${resultsDir}\` once the database is back`;
}
