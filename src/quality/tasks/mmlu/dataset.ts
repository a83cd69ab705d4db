/**
 * MMLU's data: the original release's csv folders, the Hub's parquet in a folder, or `cais/mmlu`
 * from the Hub, pinned at c30699e8 (also cited with all/test's sha256 74a41822…).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DataSet } from "../../data/dataset.js";
import { readParquetRows } from "../../data/hub/parquet.js";
import { locateTaskData } from "../../data/resolve.js";
import { fromHub, localParquet, type LoadedTaskData, type TaskDataOptions } from "../../data/task-data.js";
import { MMLU_SUBJECT_CATEGORIES } from "./categories.js";
import { loadMmlu, readCategories, type MmluData } from "./data.js";
import { mmluFromRows } from "./hub-rows.js";

export const MMLU_DATASET = {
  name: "mmlu",
  expectedFiles: "test/<subject>_test.csv, dev/<subject>_dev.csv and subject_categories.json",
  hub: {
    repo: "cais/mmlu",
    revision: "c30699e8356da336a370243923dbaf21066bb9fe",
    files: { test: "all/test-00000-of-00001.parquet", dev: "all/dev-00000-of-00001.parquet" },
  },
} as const satisfies DataSet;

export async function loadMmluData(options: TaskDataOptions = {}): Promise<LoadedTaskData<MmluData>> {
  const location = locateTaskData(MMLU_DATASET, options);
  if (location.kind === "local") {
    const { dir } = location;
    if (existsSync(join(dir, "test"))) return { data: loadMmlu(dir), source: dir };
    const files = localParquet(MMLU_DATASET, dir, ["test", "dev"]);
    const categoriesFile = join(dir, "subject_categories.json");
    const categories = existsSync(categoriesFile) ? readCategories(categoriesFile) : MMLU_SUBJECT_CATEGORIES;
    return { data: mmluFromRows(await readParquetRows(files.test), await readParquetRows(files.dev), categories, dir), source: dir };
  }
  const hub = await fromHub(MMLU_DATASET, ["test", "dev"], options);
  return { data: mmluFromRows(await readParquetRows(hub.files.test), await readParquetRows(hub.files.dev), MMLU_SUBJECT_CATEGORIES, hub.source), source: hub.source };
}
