/**
 * A `ResultSink` that writes a `kitt run` into the database as it goes: the run row at the
 * start, each test in its own transaction as it completes, the status at the end. A killed
 * process leaves the run `running` with its whole tests, which `markStaleRuns` later turns
 * into `interrupted`.
 *
 * A database failure never fails the run: the sink stops writing, keeps the error in `failure`,
 * and the caller points the user at `kitt storage import DIR` (the results folder has everything).
 */
import type { ResultSink, SuitePlan, SuiteSummary, TestResult } from "../bench/suite-results.js";
import { itemsFileName, readItemsText } from "../report/items-file.js";
import type { MetricsFile } from "../report/metrics-file.js";
import type { ResultsStore } from "./results-store.js";
import { jsonDocument } from "./run-export.js";
import type { RunMeta } from "./run-writes.js";

export interface StoreSinkOptions {
  store: ResultsStore;
  /** Model, engine, runtime, versions: the rest comes from the plan and the files below. */
  meta: Omit<RunMeta, "kind" | "live" | "documents" | "startedAt" | "suite" | "suiteVersion" | "config" | "hardware">;
  /** `config.json` and `hardware.json` as the results folder writes them (`ConfigFile`, fingerprint). */
  configFile: unknown;
  hardware: unknown;
  /** The results folder's `metrics.json` at the end (`ResultsFolder.snapshot`), kept for exact export. */
  metricsSnapshot?: () => MetricsFile;
}

export class StoreSink implements ResultSink {
  runId: string | undefined;
  /** The first database error; once set, nothing more is written. */
  failure: unknown;
  private readonly options: StoreSinkOptions;

  constructor(options: StoreSinkOptions) {
    this.options = options;
  }

  async start(plan: SuitePlan): Promise<void> {
    await this.guard(async () => {
      this.runId = await this.options.store.beginRun({
        ...this.options.meta,
        kind: "run",
        live: true,
        startedAt: Date.parse(plan.started_at),
        suite: plan.suite_name,
        suiteVersion: plan.suite_version,
        documents: { "config.json": jsonDocument(this.options.configFile), "hardware.json": jsonDocument(this.options.hardware) },
        hardware: this.options.hardware,
        config: this.options.configFile,
      });
    });
  }

  async onTestResult(result: TestResult): Promise<void> {
    const items = await readItemsText(result);
    await this.guard(async (runId) => {
      await this.options.store.recordTest(runId, items === undefined ? result : { ...result, sampleFiles: { [itemsFileName(result.test_name, result.run_number)]: items } });
    });
  }

  async finish(summary: SuiteSummary): Promise<void> {
    await this.guard(async (runId) => {
      const snapshot = this.options.metricsSnapshot?.();
      await this.options.store.finishRun(runId, {
        status: summary.status,
        finishedAt: Date.parse(summary.finished_at),
        passed: summary.passed,
        stopReason: summary.stop_reason,
        documents: snapshot ? { "metrics.json": jsonDocument(snapshot) } : undefined,
      });
    });
  }

  private async guard(work: (runId: string) => Promise<void>): Promise<void> {
    if (this.failure !== undefined) return;
    try {
      await work(this.runId ?? "");
    } catch (error) {
      this.failure = error;
    }
  }
}

/** What to tell the user when results could not be stored. */
export function storeFailureHint(resultsDir: string, storeDescription: string, failure: unknown): string {
  const reason = failure instanceof Error ? failure.message : String(failure);
  return `results not stored in ${storeDescription} (${reason}); they are in ${resultsDir}: run \`kitt storage import ${resultsDir}\` once the database is back`;
}
