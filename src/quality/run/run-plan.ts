/**
 * Runs a plan end to end: finds (or, with `resume`, reads back) its checkpoint, evaluates what is
 * missing, and scores every record. The outputs file sits beside the checkpoints, under
 * `~/.kitt/quality/<task>_<hash>.jsonl.gz`.
 */
import { join } from "node:path";
import type { Metrics } from "../../bench/types.js";
import { kittHome } from "../../config/paths.js";
import type { QualityEngine } from "../engine/quality-engine.js";
import type { MmluCategory } from "../data/mmlu.js";
import { CHECKPOINT_VERSION, checkpointHash, checkpointPath, readCheckpoint, type CheckpointFile } from "./checkpoint.js";
import type { QualityPlan } from "./plan.js";
import { qualityMetrics } from "./report.js";
import { runItems, type ItemProgress, type RunItemsResult } from "./run-items.js";

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_CHECKPOINT_EVERY = 50;

export interface RunPlanOptions {
  plan: QualityPlan;
  engine: Pick<QualityEngine, "name" | "model">;
  /** Every setting that changes the records (shots, limit, subjects, top-k...): part of the checkpoint hash. */
  settings: Record<string, unknown>;
  signal: AbortSignal;
  concurrency?: number;
  checkpointEvery?: number;
  /** Continue from the checkpoint of an earlier run with the same hash; otherwise start over. */
  resume?: boolean;
  /** MMLU's subject → category, for the per-category scores. */
  categories?: ReadonlyMap<string, MmluCategory>;
  onProgress?(progress: ItemProgress): void;
  env?: NodeJS.ProcessEnv;
}

export interface QualityRun extends RunItemsResult {
  metrics: Metrics;
  checkpointPath: string;
  outputsPath: string;
}

export async function runPlan(options: RunPlanOptions): Promise<QualityRun> {
  const { plan, engine } = options;
  const identity = {
    task: plan.task,
    method: plan.method,
    engine: engine.name,
    model: engine.model,
    settings: options.settings,
    items: plan.items.map((item) => item.key),
  };
  const hash = checkpointHash(identity);
  const path = checkpointPath(plan.task, hash, options.env);
  const outputsPath = join(kittHome(options.env), "quality", `${plan.task}_${hash}.jsonl.gz`);
  const previous = options.resume ? await readCheckpoint(path, hash) : undefined;
  const checkpoint: CheckpointFile = previous ?? {
    version: CHECKPOINT_VERSION,
    task: plan.task,
    hash,
    identity: { task: plan.task, method: plan.method, engine: engine.name, model: engine.model, settings: options.settings, item_count: plan.items.length },
    updated_at: new Date().toISOString(),
    complete: false,
    records: {},
  };
  const result = await runItems({
    items: plan.items,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    signal: options.signal,
    checkpointPath: path,
    checkpoint,
    checkpointEvery: options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    outputsPath,
    onProgress: options.onProgress,
  });
  const metrics = {
    ...qualityMetrics(plan, result.records, options.categories),
    restored: result.restored,
    evaluated: result.evaluated,
    failed: result.failed,
    checkpoint: path,
    outputs_file: outputsPath,
  };
  return { ...result, metrics, checkpointPath: path, outputsPath };
}
