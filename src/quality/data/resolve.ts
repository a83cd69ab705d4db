/**
 * Where a task's data comes from. With `source: auto` (the default): an explicit folder wins,
 * else `$KITT_DATASETS_DIR/<task>/` when it exists (the offline mirror's layout: `mmlu/{test,dev}/`,
 * `gsm8k/*.jsonl`, `truthfulqa/mc_task.json`, `hellaswag/*.jsonl`, or the Hub's parquet files),
 * else the Hugging Face Hub (downloaded once into kitt's cache; see `hub/download.ts`).
 * `source: local` never downloads; `source: hub` always reads the Hub (through the cache).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { KittError } from "../../errors.js";
import { HUB_DATASETS } from "./hub/pins.js";

export const DATASETS_DIR_ENV = "KITT_DATASETS_DIR";

export type QualityTaskData = "mmlu" | "gsm8k" | "truthfulqa" | "hellaswag";

export const DATA_SOURCES = ["auto", "local", "hub"] as const;
export type DataSourceMode = (typeof DATA_SOURCES)[number];

const EXPECTED_FILES: Record<QualityTaskData, string> = {
  mmlu: "test/<subject>_test.csv, dev/<subject>_dev.csv and subject_categories.json",
  gsm8k: "test.jsonl and train.jsonl",
  truthfulqa: "mc_task.json and TruthfulQA.csv",
  hellaswag: "hellaswag_val.jsonl (or validation.jsonl) and hellaswag_train.jsonl (or train.jsonl)",
};

/** The Hub's parquet files, also accepted in a local folder, and how to get them instead. */
function hubHint(task: QualityTaskData): string {
  const { repo, files } = HUB_DATASETS[task];
  return `(or the Hub's ${Object.values(files).join(" and ")}); or let kitt download ${repo} from the Hugging Face Hub (source: auto or hub)`;
}

export type TaskDataLocation = { kind: "local"; dir: string } | { kind: "hub" };

export interface LocateOptions {
  dataDir?: string;
  source?: DataSourceMode;
  env?: NodeJS.ProcessEnv;
}

export function locateTaskData(task: QualityTaskData, options: LocateOptions = {}): TaskDataLocation {
  const { dataDir, source = "auto", env = process.env } = options;
  if (source === "hub") {
    if (dataDir !== undefined) throw new KittError("CONFIG_INVALID", `${task}: data_dir and source: hub exclude each other; drop one`);
    return { kind: "hub" };
  }
  if (source === "local" || dataDir !== undefined) return { kind: "local", dir: resolveTaskDir(task, dataDir, env) };
  const mirror = mirrorDir(task, env);
  return mirror !== undefined && existsSync(mirror) ? { kind: "local", dir: mirror } : { kind: "hub" };
}

/** `$KITT_DATASETS_DIR/<task>`, or undefined when the variable is unset. */
function mirrorDir(task: QualityTaskData, env: NodeJS.ProcessEnv): string | undefined {
  const root = env[DATASETS_DIR_ENV];
  return root ? resolve(join(root, task)) : undefined;
}

/** A local folder only: an explicit path, else `$KITT_DATASETS_DIR/<task>/`, else an error saying where to put the files. */
export function resolveTaskDir(task: QualityTaskData, explicitPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicitPath !== undefined) {
    const dir = resolve(explicitPath);
    if (!existsSync(dir)) throw new KittError("NOT_FOUND", `${task} data folder ${dir} does not exist`);
    return dir;
  }
  const dir = mirrorDir(task, env);
  if (dir !== undefined) {
    if (existsSync(dir)) return dir;
    throw new KittError("NOT_FOUND", `no ${task} data in ${dir}: put ${EXPECTED_FILES[task]} there ${hubHint(task)}`);
  }
  throw new KittError(
    "NOT_FOUND",
    `no ${task} data: pass its folder, or set ${DATASETS_DIR_ENV} to a folder holding ${task}/ with ${EXPECTED_FILES[task]} ${hubHint(task)}`,
  );
}

/** The first of `names` that exists in `dir`. */
export function findDataFile(dir: string, names: readonly string[], what: string): string {
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new KittError("NOT_FOUND", `no ${what} in ${dir}: expected ${names.join(" or ")}`);
}
