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
import type { DataSet } from "./dataset.js";

export const DATASETS_DIR_ENV = "KITT_DATASETS_DIR";

export const DATA_SOURCES = ["auto", "local", "hub"] as const;
export type DataSourceMode = (typeof DATA_SOURCES)[number];

/** The Hub's parquet files, also accepted in a local folder, and how to get them instead. */
function hubHint(dataset: DataSet): string {
  const { repo, files } = dataset.hub;
  return `(or the Hub's ${Object.values(files).join(" and ")}); or let kitt download ${repo} from the Hugging Face Hub (source: auto or hub)`;
}

export type TaskDataLocation = { kind: "local"; dir: string } | { kind: "hub" };

export interface LocateOptions {
  dataDir?: string;
  source?: DataSourceMode;
  env?: NodeJS.ProcessEnv;
}

export function locateTaskData(dataset: DataSet, options: LocateOptions = {}): TaskDataLocation {
  const { dataDir, source = "auto", env = process.env } = options;
  if (source === "hub") {
    if (dataDir !== undefined) throw new KittError("CONFIG_INVALID", `${dataset.name}: data_dir and source: hub exclude each other; drop one`);
    return { kind: "hub" };
  }
  if (source === "local" || dataDir !== undefined) return { kind: "local", dir: resolveTaskDir(dataset, dataDir, env) };
  const mirror = mirrorDir(dataset, env);
  return mirror !== undefined && existsSync(mirror) ? { kind: "local", dir: mirror } : { kind: "hub" };
}

/** `$KITT_DATASETS_DIR/<task>`, or undefined when the variable is unset. */
function mirrorDir(dataset: DataSet, env: NodeJS.ProcessEnv): string | undefined {
  const root = env[DATASETS_DIR_ENV];
  return root ? resolve(join(root, dataset.name)) : undefined;
}

/** A local folder only: an explicit path, else `$KITT_DATASETS_DIR/<task>/`, else an error saying where to put the files. */
export function resolveTaskDir(dataset: DataSet, explicitPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  const { name: task, expectedFiles } = dataset;
  if (explicitPath !== undefined) {
    const dir = resolve(explicitPath);
    if (!existsSync(dir)) throw new KittError("NOT_FOUND", `${task} data folder ${dir} does not exist`);
    return dir;
  }
  const dir = mirrorDir(dataset, env);
  if (dir !== undefined) {
    if (existsSync(dir)) return dir;
    throw new KittError("NOT_FOUND", `no ${task} data in ${dir}: put ${expectedFiles} there ${hubHint(dataset)}`);
  }
  throw new KittError(
    "NOT_FOUND",
    `no ${task} data: pass its folder, or set ${DATASETS_DIR_ENV} to a folder holding ${task}/ with ${expectedFiles} ${hubHint(dataset)}`,
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
