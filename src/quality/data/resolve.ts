/**
 * Where a task's data lives: an explicit path wins, else `$KITT_DATASETS_DIR/<task>/` (the
 * layout of the offline mirror: `mmlu/{test,dev}/`, `gsm8k/*.jsonl`, `truthfulqa/mc_task.json`,
 * `hellaswag/*.jsonl`), else a `KittError` saying where to put the files.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { KittError } from "../../errors.js";

export const DATASETS_DIR_ENV = "KITT_DATASETS_DIR";

export type QualityTaskData = "mmlu" | "gsm8k" | "truthfulqa" | "hellaswag";

const EXPECTED_FILES: Record<QualityTaskData, string> = {
  mmlu: "test/<subject>_test.csv, dev/<subject>_dev.csv and subject_categories.json",
  gsm8k: "test.jsonl and train.jsonl",
  truthfulqa: "mc_task.json and TruthfulQA.csv",
  hellaswag: "hellaswag_val.jsonl (or validation.jsonl) and hellaswag_train.jsonl (or train.jsonl)",
};

export function resolveTaskDir(task: QualityTaskData, explicitPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicitPath !== undefined) {
    const dir = resolve(explicitPath);
    if (!existsSync(dir)) throw new KittError("NOT_FOUND", `${task} data folder ${dir} does not exist`);
    return dir;
  }
  const root = env[DATASETS_DIR_ENV];
  if (root) {
    const dir = resolve(join(root, task));
    if (existsSync(dir)) return dir;
    throw new KittError("NOT_FOUND", `no ${task} data in ${dir}: put ${EXPECTED_FILES[task]} there`);
  }
  throw new KittError(
    "NOT_FOUND",
    `no ${task} data: pass its folder, or set ${DATASETS_DIR_ENV} to a folder holding ${task}/ with ${EXPECTED_FILES[task]}`,
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
