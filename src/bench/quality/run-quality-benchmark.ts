/**
 * What every quality benchmark does around its task: pick the method, build the plan, run it with
 * progress and an ETA, and turn the run into an outcome. A run stopped part-way keeps its scores
 * over the finished documents (and its checkpoint, for `resume`).
 */
import type { QualityTaskKind } from "../../quality/engine/choose-method.js";
import { chooseMethod } from "../../quality/engine/choose-method.js";
import { qualityEngine, type QualityEngine } from "../../quality/engine/quality-engine.js";
import type { MmluCategory } from "../../quality/data/mmlu.js";
import type { ScoringMethod } from "../../quality/scoring/summary.js";
import type { QualityPlan } from "../../quality/run/plan.js";
import { runPlan } from "../../quality/run/run-plan.js";
import type { BenchmarkContext, BenchmarkOutcome } from "../types.js";
import { warmUp } from "../warmup.js";
import type { QualityConfig } from "./quality-config.js";

export interface BuiltPlan {
  plan: QualityPlan;
  /** Settings besides the shared ones that decide the records (shots, subjects...). */
  settings: Record<string, unknown>;
  categories?: ReadonlyMap<string, MmluCategory>;
}

export async function runQualityBenchmark(
  ctx: BenchmarkContext<QualityConfig>,
  kind: QualityTaskKind,
  build: (engine: QualityEngine, method: ScoringMethod) => BuiltPlan,
): Promise<BenchmarkOutcome> {
  const { config } = ctx;
  const method = chooseMethod(kind, ctx.engine.spec.capabilities, config.method);
  const engine = qualityEngine(ctx.engine, { maxGenTokens: config.max_gen_tokens });
  const built = build(engine, method);
  const warmupTimes = await warmUp(ctx);
  const run = await runPlan({
    plan: built.plan,
    engine,
    settings: { ...built.settings, limit: config.limit ?? null, top_k: config.top_k, max_gen_tokens: config.max_gen_tokens },
    signal: ctx.signal,
    concurrency: config.concurrency,
    checkpointEvery: config.checkpoint_every,
    resume: config.resume,
    categories: built.categories,
    onProgress: (progress) =>
      ctx.onProgress({
        phase: "measure",
        completed: progress.completed,
        total: progress.total,
        message: progress.etaSeconds === null ? undefined : `${built.plan.task} (${method}), about ${formatEta(progress.etaSeconds)} left`,
      }),
  });
  return {
    metrics: run.metrics,
    errors: run.errors,
    warmupTimes,
    passed: run.errors.length === 0 && !run.stopped,
    partial: run.stopped,
    cause: run.cause,
  };
}

export function formatEta(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${whole % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
