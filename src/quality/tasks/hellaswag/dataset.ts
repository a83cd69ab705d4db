/**
 * HellaSwag's data: the original jsonl files, the Hub's parquet in a folder, or `Rowan/hellaswag`
 * from the Hub, pinned at 218ec52e (also cited with data/validation's sha256 89981307…, 10,042 rows).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DataSet } from "../../data/dataset.js";
import { readParquetRows } from "../../data/hub/parquet.js";
import { locateTaskData } from "../../data/resolve.js";
import { findLocalParquet, fromHub, localParquet, type LoadedTaskData, type TaskDataOptions } from "../../data/task-data.js";
import { hellaswagFromRows, loadHellaswag, type HellaswagData } from "./data.js";

export const HELLASWAG_DATASET = {
  name: "hellaswag",
  expectedFiles: "hellaswag_val.jsonl (or validation.jsonl) and hellaswag_train.jsonl (or train.jsonl)",
  hub: {
    repo: "Rowan/hellaswag",
    revision: "218ec52e09a7e7462a5400043bb9a69a41d06b76",
    files: { validation: "data/validation-00000-of-00001.parquet", train: "data/train-00000-of-00001.parquet" },
  },
} as const satisfies DataSet;

/** HellaSwag validation, plus the train split (the few-shot pool) unless `train: false`. */
export async function loadHellaswagData(options: TaskDataOptions & { train?: boolean } = {}): Promise<LoadedTaskData<HellaswagData>> {
  const location = locateTaskData(HELLASWAG_DATASET, options);
  const wantTrain = options.train ?? true;
  if (location.kind === "local") {
    const { dir } = location;
    if (["hellaswag_val.jsonl", "validation.jsonl"].some((name) => existsSync(join(dir, name)))) return { data: loadHellaswag(dir), source: dir };
    const { validation } = localParquet(HELLASWAG_DATASET, dir, ["validation"]);
    const train = findLocalParquet(HELLASWAG_DATASET, dir, "train");
    const data: HellaswagData = { validation: hellaswagFromRows(await readParquetRows(validation), validation) };
    if (train !== undefined) data.train = hellaswagFromRows(await readParquetRows(train), train);
    return { data, source: dir };
  }
  const hub = await fromHub(HELLASWAG_DATASET, wantTrain ? ["validation", "train"] : ["validation"], options);
  const data: HellaswagData = { validation: hellaswagFromRows(await readParquetRows(hub.files.validation), hub.files.validation) };
  if (hub.files.train !== undefined) data.train = hellaswagFromRows(await readParquetRows(hub.files.train), hub.files.train);
  return { data, source: hub.source };
}
