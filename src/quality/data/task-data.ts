/**
 * What every quality task's data loader shares (see `resolve.ts` for where data comes from): a
 * local folder in the original release's format or holding the Hub's parquet files, or the
 * Hugging Face Hub itself (downloaded into kitt's cache, verified, then read as parquet). Every
 * way gives the same document types, order and indexes, and says where the data came from:
 * the folder, or `hub:<repo>@<revision>`.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { KittError } from "../../errors.js";
import type { DataSet } from "./dataset.js";
import { downloadHubFile, type DownloadOptions, type DownloadProgress } from "./hub/download.js";
import type { DataSourceMode } from "./resolve.js";

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

/** Downloads (or finds in the cache) the data set's files at the pinned or requested revision. */
export async function fromHub<S extends string>(
  dataset: DataSet<S>,
  splits: readonly S[],
  options: TaskDataOptions,
): Promise<{ files: Record<S, string>; source: string }> {
  const { repo, revision: pinned, files: paths } = dataset.hub;
  const revision = options.revision ?? pinned;
  const files = {} as Record<S, string>;
  for (const [i, split] of splits.entries()) {
    const path = paths[split];
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
export function localParquet<S extends string>(dataset: DataSet<S>, dir: string, splits: readonly S[]): Record<S, string> {
  const found = {} as Record<S, string>;
  for (const split of splits) {
    const path = findLocalParquet(dataset, dir, split);
    if (path === undefined) {
      const { files } = dataset.hub;
      throw new KittError(
        "NOT_FOUND",
        `no ${dataset.name} data in ${dir}: expected the original files or the Hub's parquet (${splits.map((s) => files[s]).join(", ")}), none found for ${split}`,
      );
    }
    found[split] = path;
  }
  return found;
}

export function findLocalParquet<S extends string>(dataset: DataSet<S>, dir: string, split: S): string | undefined {
  const { files } = dataset.hub;
  const hubPath = files[split];
  const name = basename(hubPath);
  // Two configs can share a file name (truthful_qa's validation-00000-of-00001.parquet): then only the full path or <split>.parquet is unambiguous.
  const unique = Object.values<string>(files).filter((path) => basename(path) === name).length === 1;
  const candidates = [hubPath, ...(unique ? [name] : []), `${split}.parquet`];
  return candidates.map((candidate) => join(dir, candidate)).find((path) => existsSync(path));
}
