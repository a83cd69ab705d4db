/**
 * Each quality task's documents, wherever they come from (see `resolve.ts` for the order):
 * a local folder in the original release's format or holding the Hub's parquet files, or the
 * Hugging Face Hub itself (downloaded into kitt's cache, verified, then read as parquet). Every
 * way gives the same document types, order and indexes, and says where the data came from:
 * the folder, or `hub:<repo>@<revision>`.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { KittError } from "../../errors.js";
import { loadGsm8k, type Gsm8kData } from "../tasks/gsm8k/data.js";
import { loadHellaswag, type HellaswagData } from "../tasks/hellaswag/data.js";
import { gsm8kFromRows, hellaswagFromRows, mmluFromRows, truthfulQaGenFromRows, truthfulQaMcFromRows } from "./hub/datasets.js";
import { downloadHubFile, type DownloadOptions, type DownloadProgress } from "./hub/download.js";
import { readParquetRows, type ParquetRow } from "./hub/parquet.js";
import { HUB_DATASETS } from "./hub/pins.js";
import { MMLU_SUBJECT_CATEGORIES } from "../tasks/mmlu/categories.js";
import { loadMmlu, readCategories, type MmluData } from "../tasks/mmlu/data.js";
import { locateTaskData, type DataSourceMode, type QualityTaskData } from "./resolve.js";
import { loadTruthfulQaGen, loadTruthfulQaMc, type TruthfulQaGenDoc, type TruthfulQaMcDoc } from "../tasks/truthfulqa/data.js";

export interface TaskDataProgress extends DownloadProgress {
  /** 1-based: which of this task's files is downloading. */
  file: number;
  files: number;
}

export interface TaskDataOptions {
  /** An explicit local folder (`data_dir`). */
  dataDir?: string;
  source?: DataSourceMode;
  /** Hub revision instead of the pinned one. */
  revision?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onDownload?(progress: TaskDataProgress): void;
  /** Retry settings for the downloads. */
  download?: Pick<DownloadOptions, "attempts" | "retryDelayMs">;
}

export interface LoadedTaskData<T> {
  data: T;
  /** The local folder, or `hub:<repo>@<revision>`. */
  source: string;
}

type Split<T extends QualityTaskData> = keyof (typeof HUB_DATASETS)[T]["files"] & string;

export async function loadMmluData(options: TaskDataOptions = {}): Promise<LoadedTaskData<MmluData>> {
  const location = locateTaskData("mmlu", options);
  if (location.kind === "local") {
    const { dir } = location;
    if (existsSync(join(dir, "test"))) return { data: loadMmlu(dir), source: dir };
    const files = localParquet("mmlu", dir, ["test", "dev"]);
    const categoriesFile = join(dir, "subject_categories.json");
    const categories = existsSync(categoriesFile) ? readCategories(categoriesFile) : MMLU_SUBJECT_CATEGORIES;
    return { data: mmluFromRows(await readParquetRows(files.test), await readParquetRows(files.dev), categories, dir), source: dir };
  }
  const hub = await fromHub("mmlu", ["test", "dev"], options);
  return { data: mmluFromRows(await readParquetRows(hub.files.test), await readParquetRows(hub.files.dev), MMLU_SUBJECT_CATEGORIES, hub.source), source: hub.source };
}

export async function loadGsm8kData(options: TaskDataOptions = {}): Promise<LoadedTaskData<Gsm8kData>> {
  const location = locateTaskData("gsm8k", options);
  const read = async (files: Record<"test" | "train", string>, source: string) => ({
    test: gsm8kFromRows(await readParquetRows(files.test), files.test),
    train: gsm8kFromRows(await readParquetRows(files.train), files.train),
    source,
  });
  if (location.kind === "local") {
    const { dir } = location;
    if (existsSync(join(dir, "test.jsonl"))) return { data: loadGsm8k(dir), source: dir };
    const { source, ...data } = await read(localParquet("gsm8k", dir, ["test", "train"]), dir);
    return { data, source };
  }
  const hub = await fromHub("gsm8k", ["test", "train"], options);
  const { source, ...data } = await read(hub.files, hub.source);
  return { data, source };
}

export function loadTruthfulQaMcData(options: TaskDataOptions = {}): Promise<LoadedTaskData<TruthfulQaMcDoc[]>> {
  return loadTruthfulQa("mc_task.json", loadTruthfulQaMc, "multiple_choice", truthfulQaMcFromRows, options);
}

/** TruthfulQA's generation references (`TruthfulQA.csv`, or the Hub's `generation` config). */
export function loadTruthfulQaGenData(options: TaskDataOptions = {}): Promise<LoadedTaskData<TruthfulQaGenDoc[]>> {
  return loadTruthfulQa("TruthfulQA.csv", loadTruthfulQaGen, "generation", truthfulQaGenFromRows, options);
}

/** One TruthfulQA config: its original file in a local folder, else its parquet (local or from the Hub). */
async function loadTruthfulQa<T>(
  originalFile: string,
  loadOriginal: (dir: string) => T,
  config: Split<"truthfulqa">,
  fromRows: (rows: readonly ParquetRow[], file: string) => T,
  options: TaskDataOptions,
): Promise<LoadedTaskData<T>> {
  const location = locateTaskData("truthfulqa", options);
  if (location.kind === "local") {
    const { dir } = location;
    if (existsSync(join(dir, originalFile))) return { data: loadOriginal(dir), source: dir };
    const file = localParquet("truthfulqa", dir, [config])[config];
    return { data: fromRows(await readParquetRows(file), file), source: dir };
  }
  const hub = await fromHub("truthfulqa", [config], options);
  return { data: fromRows(await readParquetRows(hub.files[config]), hub.files[config]), source: hub.source };
}

/** HellaSwag validation, plus the train split (the few-shot pool) unless `train: false`. */
export async function loadHellaswagData(options: TaskDataOptions & { train?: boolean } = {}): Promise<LoadedTaskData<HellaswagData>> {
  const location = locateTaskData("hellaswag", options);
  const wantTrain = options.train ?? true;
  if (location.kind === "local") {
    const { dir } = location;
    if (["hellaswag_val.jsonl", "validation.jsonl"].some((name) => existsSync(join(dir, name)))) return { data: loadHellaswag(dir), source: dir };
    const { validation } = localParquet("hellaswag", dir, ["validation"]);
    const train = findLocalParquet("hellaswag", dir, "train");
    const data: HellaswagData = { validation: hellaswagFromRows(await readParquetRows(validation), validation) };
    if (train !== undefined) data.train = hellaswagFromRows(await readParquetRows(train), train);
    return { data, source: dir };
  }
  const hub = await fromHub("hellaswag", wantTrain ? ["validation", "train"] : ["validation"], options);
  const data: HellaswagData = { validation: hellaswagFromRows(await readParquetRows(hub.files.validation!), hub.files.validation!) };
  if (hub.files.train !== undefined) data.train = hellaswagFromRows(await readParquetRows(hub.files.train), hub.files.train);
  return { data, source: hub.source };
}

/** Downloads (or finds in the cache) the task's files at the pinned or requested revision. */
async function fromHub<T extends QualityTaskData, S extends Split<T>>(
  task: T,
  splits: readonly S[],
  options: TaskDataOptions,
): Promise<{ files: Record<S, string>; source: string }> {
  const { repo, revision: pinned, files: paths } = HUB_DATASETS[task];
  const revision = options.revision ?? pinned;
  const files = {} as Record<S, string>;
  for (const [i, split] of splits.entries()) {
    const path = (paths as Record<string, string>)[split]!;
    const file = await downloadHubFile(
      { repo, revision, path },
      {
        ...options.download,
        env: options.env,
        signal: options.signal,
        onProgress: (progress) => options.onDownload?.({ ...progress, file: i + 1, files: splits.length }),
      },
    );
    files[split] = file.localPath;
  }
  return { files, source: `hub:${repo}@${revision}` };
}

/** The Hub's parquet file for each split in a local folder: at its Hub path, by its file name, or as `<split>.parquet`. */
function localParquet<T extends QualityTaskData, S extends Split<T>>(task: T, dir: string, splits: readonly S[]): Record<S, string> {
  const found = {} as Record<S, string>;
  for (const split of splits) {
    const path = findLocalParquet(task, dir, split);
    if (path === undefined) {
      const { files } = HUB_DATASETS[task];
      throw new KittError(
        "NOT_FOUND",
        `no ${task} data in ${dir}: expected the original files or the Hub's parquet (${splits.map((s) => (files as Record<string, string>)[s]).join(", ")}), none found for ${split}`,
      );
    }
    found[split] = path;
  }
  return found;
}

function findLocalParquet(task: QualityTaskData, dir: string, split: string): string | undefined {
  const files = HUB_DATASETS[task].files as Record<string, string>;
  const hubPath = files[split]!;
  const name = basename(hubPath);
  // Two configs can share a file name (truthful_qa's validation-00000-of-00001.parquet): then only the full path or <split>.parquet is unambiguous.
  const unique = Object.values(files).filter((path) => basename(path) === name).length === 1;
  const candidates = [hubPath, ...(unique ? [name] : []), `${split}.parquet`];
  return candidates.map((candidate) => join(dir, candidate)).find((path) => existsSync(path));
}
