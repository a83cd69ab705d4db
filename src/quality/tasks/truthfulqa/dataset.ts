/**
 * TruthfulQA's data, for `truthfulqa` (multiple choice) and `truthfulqa_gen` (generation): the
 * original files (`mc_task.json`, `TruthfulQA.csv`), the Hub's parquet in a folder, or
 * `truthfulqa/truthful_qa` from the Hub, pinned at 741b8276.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DataSet } from "../../data/dataset.js";
import { readParquetRows, type ParquetRow } from "../../data/hub/parquet.js";
import { locateTaskData } from "../../data/resolve.js";
import { fromHub, localParquet, type LoadedTaskData, type TaskDataOptions } from "../../data/task-data.js";
import { loadTruthfulQaMc, truthfulQaMcFromRows, type TruthfulQaMcDoc } from "./data.js";

export const TRUTHFULQA_DATASET = {
  name: "truthfulqa",
  expectedFiles: "mc_task.json and TruthfulQA.csv",
  hub: {
    repo: "truthfulqa/truthful_qa",
    revision: "741b8276f2d1982aa3d5b832d3ee81ed3b896490",
    files: { multiple_choice: "multiple_choice/validation-00000-of-00001.parquet", generation: "generation/validation-00000-of-00001.parquet" },
  },
} as const satisfies DataSet;

type TruthfulQaConfig = keyof typeof TRUTHFULQA_DATASET.hub.files;

export function loadTruthfulQaMcData(options: TaskDataOptions = {}): Promise<LoadedTaskData<TruthfulQaMcDoc[]>> {
  return loadTruthfulQaConfig("mc_task.json", loadTruthfulQaMc, "multiple_choice", truthfulQaMcFromRows, options);
}

/** One TruthfulQA config: its original file in a local folder, else its parquet (local or from the Hub). */
export async function loadTruthfulQaConfig<T>(
  originalFile: string,
  loadOriginal: (dir: string) => T,
  config: TruthfulQaConfig,
  fromRows: (rows: readonly ParquetRow[], file: string) => T,
  options: TaskDataOptions,
): Promise<LoadedTaskData<T>> {
  const location = locateTaskData(TRUTHFULQA_DATASET, options);
  if (location.kind === "local") {
    const { dir } = location;
    if (existsSync(join(dir, originalFile))) return { data: loadOriginal(dir), source: dir };
    const file = localParquet(TRUTHFULQA_DATASET, dir, [config])[config];
    return { data: fromRows(await readParquetRows(file), file), source: dir };
  }
  const hub = await fromHub(TRUTHFULQA_DATASET, [config], options);
  return { data: fromRows(await readParquetRows(hub.files[config]), hub.files[config]), source: hub.source };
}
