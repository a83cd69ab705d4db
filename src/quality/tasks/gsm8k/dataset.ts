/**
 * GSM8K's data: `test.jsonl` and `train.jsonl`, the Hub's parquet in a folder, or `openai/gsm8k`
 * from the Hub, pinned at 740312ad (also cited with main/test's sha256 ee7b8da9…).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DataSet } from "../../data/dataset.js";
import { readParquetRows } from "../../data/hub/parquet.js";
import { locateTaskData } from "../../data/resolve.js";
import { fromHub, localParquet, type LoadedTaskData, type TaskDataOptions } from "../../data/task-data.js";
import { gsm8kFromRows, loadGsm8k, type Gsm8kData } from "./data.js";

export const GSM8K_DATASET = {
  name: "gsm8k",
  expectedFiles: "test.jsonl and train.jsonl",
  hub: {
    repo: "openai/gsm8k",
    revision: "740312add88f781978c0658806c59bc2815b9866",
    files: { test: "main/test-00000-of-00001.parquet", train: "main/train-00000-of-00001.parquet" },
  },
} as const satisfies DataSet;

export async function loadGsm8kData(options: TaskDataOptions = {}): Promise<LoadedTaskData<Gsm8kData>> {
  const location = locateTaskData(GSM8K_DATASET, options);
  const read = async (files: Record<"test" | "train", string>, source: string) => ({
    test: gsm8kFromRows(await readParquetRows(files.test), files.test),
    train: gsm8kFromRows(await readParquetRows(files.train), files.train),
    source,
  });
  if (location.kind === "local") {
    const { dir } = location;
    if (existsSync(join(dir, "test.jsonl"))) return { data: loadGsm8k(dir), source: dir };
    const { source, ...data } = await read(localParquet(GSM8K_DATASET, dir, ["test", "train"]), dir);
    return { data, source };
  }
  const hub = await fromHub(GSM8K_DATASET, ["test", "train"], options);
  const { source, ...data } = await read(hub.files, hub.source);
  return { data, source };
}
