/**
 * Runs a plan end to end: finds (or, with `resume`, reads back) its checkpoint, evaluates what is
 * missing, and scores every record. The outputs file sits beside the checkpoints, under
 * `~/.kitt/quality/<task>_<hash>.jsonl.gz`.
 */
import { join } from "node:path";
import type { Metrics } from "../../metrics.js";
import { kittHome } from "../../config/paths.js";
import type { QualityEngine } from "../engine/quality-engine.js";
import { CHECKPOINT_VERSION, checkpointHash, checkpointPath, readCheckpoint, type CheckpointFile } from "./checkpoint.js";
import type { QualityPlan } from "./plan.js";
import { qualityMetrics } from "./report.js";
import { runItems, type ItemProgress, type PlannedItem, type RunItemsResult } from "./run-items.js";

/** Items in flight when the caller does not say (benchmarks pass their engine's `busyConcurrency`). */
const DEFAULT_CONCURRENCY = 8;

/** A checkpointed run of any items: the built-in tasks' plans and custom tests alike. */
export interface CheckpointedRunOptions {
  /** The checkpoint's and outputs file's name, e.g. `mmlu_5shot`. */
  task: string;
  method: string;
  items: readonly PlannedItem[];
  engine: Pick<QualityEngine, "name" | "model">;
  /** Every setting that changes the records (shots, limit, subjects, top-k...): part of the checkpoint hash. */
  settings: Record<string, unknown>;
  signal: AbortSignal;
  concurrency?: number;
  /** Continue from the checkpoint of an earlier run with the same hash; otherwise start over. */
  resume?: boolean;
  /** Which run of the test this is (1 when absent): each has its own checkpoint, so a resumed run 2 does not take run 1's records. */
  run?: number;
  onProgress?(progress: ItemProgress): void;
  env?: NodeJS.ProcessEnv;
}

export interface CheckpointedRun extends RunItemsResult {
  checkpointPath: string;
  outputsPath: string;
  /** Where the records came from and where they are: metrics every quality result carries. */
  bookkeeping: Metrics;
}

export interface RunPlanOptions extends Omit<CheckpointedRunOptions, "task" | "method" | "items"> {
  plan: QualityPlan;
}

export interface QualityRun extends CheckpointedRun {
  metrics: Metrics;
}

export async function runCheckpointed(options: CheckpointedRunOptions): Promise<CheckpointedRun> {
  const { task, method, engine } = options;
  const identity = { task, method, engine: engine.name, model: engine.model, settings: options.settings, run: options.run ?? 1 };
  const hash = checkpointHash({ ...identity, items: options.items.map((item) => item.key) });
  const path = checkpointPath(task, hash, options.env);
  const outputsPath = join(kittHome(options.env), "quality", `${task}_${hash}.jsonl.gz`);
  const previous = options.resume ? await readCheckpoint(path, hash) : undefined;
  const checkpoint: CheckpointFile = previous ?? {
    version: CHECKPOINT_VERSION,
    task,
    hash,
    identity: { ...identity, item_count: options.items.length },
    updated_at: new Date().toISOString(),
    complete: false,
    records: {},
  };
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const result = await runItems({
    items: options.items,
    concurrency,
    signal: options.signal,
    checkpointPath: path,
    checkpoint,
    outputsPath,
    onProgress: options.onProgress,
  });
  const bookkeeping = { restored: result.restored, evaluated: result.evaluated, failed: result.failed, concurrency, checkpoint: path, outputs_file: outputsPath };
  return { ...result, checkpointPath: path, outputsPath, bookkeeping };
}

export async function runPlan(options: RunPlanOptions): Promise<QualityRun> {
  const { plan, ...rest } = options;
  const run = await runCheckpointed({ ...rest, task: plan.task, method: plan.method, items: plan.items });
  return { ...run, metrics: { ...qualityMetrics(plan, run.records), ...run.bookkeeping } };
}
