/**
 * What every quality benchmark does around its task: pick the method, build the plan, run it with
 * progress and an ETA, and turn the run into an outcome. A run stopped part-way keeps its scores
 * over the finished documents (and its checkpoint, for `resume`).
 */
import type { Engine } from "../../engines/engine.js";
import { requestCapacity, type RequestCapacity } from "../../engines/model-context.js";
import type { TaskDataOptions } from "../../quality/data/task-data.js";
import { qualityEngine, type QualityEngine } from "../../quality/engine/quality-engine.js";
import { HARNESS_VERSION } from "../../quality/harness-version.js";
import { chooseMethod, type TaskMethods } from "../../quality/run/choose-method.js";
import { runPlan } from "../../quality/run/run-plan.js";
import type { ScoringMethod } from "../../quality/scoring/summary.js";
import type { BuiltPlan } from "../../quality/tasks/spec.js";
import type { BenchmarkContext, BenchmarkOutcome, Metrics } from "../types.js";
import { warmUp } from "../warmup.js";
import type { QualityConfig } from "./quality-config.js";

export async function runQualityBenchmark(
  ctx: BenchmarkContext<QualityConfig>,
  task: TaskMethods,
  build: (engine: QualityEngine, method: ScoringMethod) => Promise<BuiltPlan>,
): Promise<BenchmarkOutcome> {
  const { config } = ctx;
  const method = chooseMethod(task, ctx.engine.spec.capabilities, config.method);
  const capacity = await requestCapacity(ctx.engine);
  const engine = qualityEngine(ctx.engine, {
    maxGenTokens: config.max_gen_tokens,
    truncate: config.truncate,
    addBosToken: config.add_bos_token,
    contextLength: capacity.context,
  });
  const built = await build(engine, method);
  const warmupTimes = await warmUp(ctx);
  const prompts = promptMetrics(engine, method, config);
  const run = await runPlan({
    plan: built.plan,
    engine,
    settings: {
      data_source: built.source,
      ...built.settings,
      // A release with other definitions scores differently, so it never reuses these records.
      harness_version: HARNESS_VERSION,
      limit: config.limit ?? null,
      sample: config.sample ?? null,
      sample_seed: config.sample === undefined ? null : config.sample_seed,
      top_k: config.top_k,
      max_gen_tokens: config.max_gen_tokens,
      // Prompts are cut to this context, so another one gives other records.
      request_context: capacity.context ?? null,
      ...prompts,
    },
    signal: ctx.signal,
    concurrency: itemConcurrency(ctx.engine, capacity, config.concurrency),
    resume: config.resume,
    run: ctx.runNumber,
    onProgress: (progress) =>
      ctx.onProgress({
        phase: "measure",
        completed: progress.completed,
        total: progress.total,
        failed: progress.failed,
        message: progress.etaSeconds === null ? undefined : `${built.plan.task} (${method}), about ${formatEta(progress.etaSeconds)} left`,
      }),
  });
  // The context one request could use, as the engine reported it (null when it does not say).
  const metrics = { ...run.metrics, request_context: capacity.context ?? null };
  return {
    // Which harness's definitions the scores follow, and where the documents came from (a folder,
    // or hub:<repo>@<revision>), beside the scores.
    metrics: { ...metrics, ...prompts, harness_version: HARNESS_VERSION, data_source: built.source },
    errors: run.errors,
    warmupTimes,
    passed: run.errors.length === 0 && !run.stopped,
    partial: run.stopped,
    cause: run.cause,
  };
}

/**
 * Items evaluated at once: the test's `concurrency`, else as many as keep the engine busy (its
 * slots where it reports them, as llama.cpp does; its `busyConcurrency` otherwise), and never more
 * than its slots: a request beyond them only waits in the engine's queue, or, where slots share
 * one KV cache, takes room the others need.
 */
export function itemConcurrency(engine: Engine, capacity: RequestCapacity, requested: number | undefined): number {
  const wanted = requested ?? capacity.slots ?? engine.spec.capabilities.busyConcurrency;
  return Math.min(wanted, capacity.slots ?? wanted);
}

/**
 * How prompts reached the engine, beside the scores (and in the checkpoint hash: they change the
 * records): the truncation setting; for log-likelihoods, whether requests carried token ids
 * (`add_bos_token` as set) or text the engine tokenized with its own BOS.
 */
function promptMetrics(engine: QualityEngine, method: ScoringMethod, config: QualityConfig): Metrics {
  const metrics: Metrics = { truncate: config.truncate };
  if (method !== "loglikelihood" || engine.promptEncoding === undefined) return metrics;
  const tokenIds = engine.promptEncoding === "token_ids";
  return { ...metrics, prompt_encoding: engine.promptEncoding, add_bos_token: tokenIds ? config.add_bos_token : null };
}

/**
 * Where a task reads its data (`data_dir`, `source`, `revision` and the context's signal), with
 * downloads shown as progress lines: `downloading cais/mmlu all/test-00000-of-00001.parquet… 3.1/6.9 MB`,
 * `completed`/`total` counting the task's files. At most one line per 250 ms, plus each file's last.
 */
export function dataOptions(ctx: BenchmarkContext<QualityConfig>): TaskDataOptions {
  const { config } = ctx;
  let last = 0;
  return {
    dataDir: config.data_dir,
    source: config.source,
    revision: config.revision,
    signal: ctx.signal,
    onDownload: (progress) => {
      const now = performance.now();
      const finished = progress.total !== undefined && progress.done >= progress.total;
      if (!finished && now - last < 250) return;
      last = now;
      ctx.onProgress({
        phase: "prepare",
        completed: finished ? progress.file : progress.file - 1,
        total: progress.files,
        message:
          progress.waitingForPid === undefined
            ? `downloading ${progress.repo} ${progress.path}… ${formatDownload(progress.done, progress.total)}`
            : `waiting for another kitt (pid ${progress.waitingForPid}) downloading ${progress.repo} ${progress.path}…`,
      });
    },
  };
}

/** `3.1/6.9 MB`, `12.5/40.0 kB` for small files, `3.1 MB` when the size is unknown. */
export function formatDownload(done: number, total: number | undefined): string {
  const [unit, scale] = (total ?? done) < 1e6 ? ["kB", 1e3] : ["MB", 1e6];
  const amount = (bytes: number) => (bytes / scale).toFixed(1);
  return total === undefined ? `${amount(done)} ${unit}` : `${amount(done)}/${amount(total)} ${unit}`;
}

export function formatEta(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${whole % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
