/**
 * Downloads every file a source lists into one destination folder, the same way for every
 * source:
 *
 * - the listing's paths are checked (`UNSAFE_PATH`) and filtered by the include/exclude globs
 *   before anything is written;
 * - one download per destination at a time (a lock file beside it);
 * - the free space for what is still missing is checked first (`NO_SPACE`);
 * - files are fetched in parts of `partSize` bytes, `concurrency` ranges at a time across all
 *   files, into a staging folder beside the destination (`.<name>.kitt-download`), with the
 *   bytes of each part recorded so a re-run resumes where the last one stopped;
 * - each finished file is checked against the source's digest (a mismatch removes it and fails);
 * - the staging folder is renamed onto the destination only when every file verified, so a
 *   half-downloaded model never appears at the destination.
 */
import { mkdir, open, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { KittError } from "../errors.js";
import { replaceAtomically } from "../fs/atomic-file.js";
import { withFileLock } from "../fs/file-lock.js";
import { completionRecord, readCompletion, sameDownload } from "./completion-marker.js";
import { followDigest, type DigestFollower } from "./digest-follower.js";
import { bytesWritten, fileState, loadState, StateSaver, type FileState } from "./download-state.js";
import { checkFreeSpace, type FreeSpaceProbe } from "./free-space.js";
import { HashPool } from "./hash-pool.js";
import { pathFilter } from "./glob.js";
import { fetchPart, type RetryPolicy } from "./part-reader.js";
import { checkRemotePaths, COMPLETION_MARKER } from "./safe-paths.js";
import type { DownloadSource, RemoteFile } from "./source.js";

export interface DownloadProgress {
  /** Bytes on disk, those kept from an earlier run included. */
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  /** Set while another process (this pid) downloads into the same destination and this one waits. */
  waitingForPid?: number;
}

export interface DownloadTreeOptions {
  include?: readonly string[];
  exclude?: readonly string[];
  /** Bytes per ranged read (default 16 MiB). */
  partSize?: number;
  /** Ranged reads at once, across all files (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called at most every 100 ms, and when a file is done. */
  onProgress?(progress: DownloadProgress): void;
  readTimeoutMs?: number;
  attempts?: number;
  retryDelayMs?: number;
  /** How free space is measured (tests give a small number). */
  freeSpace?: FreeSpaceProbe;
}

export interface DownloadResult {
  dest: string;
  files: number;
  bytes: number;
  /** Bytes read from the source by this run (resumed and already complete files excluded). */
  bytesFetched: number;
  /** The destination already held this download; nothing was fetched. */
  alreadyComplete: boolean;
}

export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 8;
const PROGRESS_EVERY_MS = 100;

export async function downloadTree(source: DownloadSource, destination: string, options: DownloadTreeOptions = {}): Promise<DownloadResult> {
  const dest = resolve(destination);
  const parent = dirname(dest);
  const name = basename(dest);
  if (name === "" || dest === parent) throw new KittError("USAGE", `cannot download into ${dest}: choose a folder below it`);
  const signal = options.signal ?? new AbortController().signal;
  const listed = await source.list(signal);
  const filter = pathFilter(options.include, options.exclude);
  const files = listed.filter((file) => filter(file.path));
  if (files.length === 0) throw new KittError("NOT_FOUND", `${source.display}: ${listed.length} files, none selected by the include/exclude patterns`);
  checkRemotePaths(files.map((file) => file.path), source.display);
  await mkdir(parent, { recursive: true });

  return withFileLock(join(parent, `.${name}.kitt-download.lock`), () => new TreeDownload(source, dest, files, options, signal).run(), {
    guards: `the download into ${dest}`,
    timeoutCode: "DOWNLOAD_FAILED",
    signal,
    onWait: (owner) => options.onProgress?.({ bytesDone: 0, bytesTotal: totalBytes(files), filesDone: 0, filesTotal: files.length, waitingForPid: owner.pid }),
  });
}

function totalBytes(files: readonly RemoteFile[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

interface FileJob {
  file: RemoteFile;
  state: FileState;
  /** Hashes the file as it lands; started with the file's first part, so only files in progress hold one. */
  follower?: DigestFollower;
}

interface PartTask {
  job: FileJob;
  /** The part to fetch; -1 for a file with every part written that is still to verify. */
  index: number;
}

class TreeDownload {
  private readonly staging: string;
  private readonly stagedFiles: string;
  private readonly partSize: number;
  private readonly policy: RetryPolicy;
  private readonly stop = new AbortController();
  private progress: DownloadProgress;
  private bytesFetched = 0;
  private lastReport = 0;

  constructor(
    private readonly source: DownloadSource,
    private readonly dest: string,
    private readonly files: readonly RemoteFile[],
    private readonly options: DownloadTreeOptions,
    private readonly signal: AbortSignal,
  ) {
    this.staging = join(dirname(dest), `.${basename(dest)}.kitt-download`);
    this.stagedFiles = join(this.staging, "files");
    this.partSize = Math.max(1, options.partSize ?? DEFAULT_PART_SIZE);
    this.policy = { readTimeoutMs: options.readTimeoutMs ?? 60_000, attempts: Math.max(1, options.attempts ?? 5), retryDelayMs: options.retryDelayMs ?? 500 };
    this.progress = { bytesDone: 0, bytesTotal: totalBytes(files), filesDone: 0, filesTotal: files.length };
  }

  async run(): Promise<DownloadResult> {
    const result = { dest: this.dest, files: this.files.length, bytes: this.progress.bytesTotal };
    if (await this.alreadyComplete()) {
      this.report({ ...this.progress, bytesDone: this.progress.bytesTotal, filesDone: this.files.length }, true);
      return { ...result, bytesFetched: 0, alreadyComplete: true };
    }
    const state = await loadState(join(this.staging, "state.json"), this.source.display);
    // A file changed at the source (or not wanted any more) starts over: its entry is replaced, its bytes dropped.
    const states = new Map(this.files.map((file) => [file.path, fileState(state, file, this.partSize)]));
    for (const path of Object.keys(state.files)) if (!states.has(path)) delete state.files[path];
    const saver = new StateSaver(join(this.staging, "state.json"), state);
    const kept = [...states.values()].reduce((sum, file) => sum + bytesWritten(file), 0);
    await checkFreeSpace(dirname(this.dest), this.progress.bytesTotal - kept, this.options.freeSpace);
    await mkdir(this.stagedFiles, { recursive: true });
    await saver.flush();

    this.progress.bytesDone = kept;
    this.progress.filesDone = [...states.values()].filter((file) => file.verified).length;
    this.report(this.progress, true);
    const abort = (): void => this.stop.abort(this.signal.reason);
    this.signal.addEventListener("abort", abort, { once: true });
    try {
      await using hashing = new HashPool();
      await this.fetchAll(states, saver, hashing);
    } finally {
      this.signal.removeEventListener("abort", abort);
      await saver.flush();
    }
    // Not flushed to disk (nor are the files): a model written as fast as the network gives it, as curl or the AWS CLI would.
    const record = `${JSON.stringify(completionRecord(this.source.display, this.files), null, 2)}\n`;
    await replaceAtomically(join(this.stagedFiles, COMPLETION_MARKER), (temp) => writeFile(temp, record));
    await this.placeAtDestination();
    await rm(this.staging, { recursive: true, force: true });
    this.report(this.progress, true);
    return { ...result, bytesFetched: this.bytesFetched, alreadyComplete: false };
  }

  private async alreadyComplete(): Promise<boolean> {
    const existing = await stat(this.dest).catch(() => undefined);
    if (existing === undefined) return false;
    const record = existing.isDirectory() ? await readCompletion(this.dest) : undefined;
    if (record !== undefined && sameDownload(record, this.source.display, this.files)) return true;
    if (existing.isDirectory() && (await readdir(this.dest)).length === 0) return false;
    throw new KittError("USAGE", `${this.dest} already exists and is not a download of these files from ${this.source.display}; remove it or choose another destination`);
  }

  /** Runs every missing part, `concurrency` at a time; the first failure stops the others. */
  private async fetchAll(states: Map<string, FileState>, saver: StateSaver, hashing: HashPool): Promise<void> {
    const tasks: PartTask[] = [];
    const remaining = new Map<string, number>();
    for (const file of this.files) {
      const state = states.get(file.path)!;
      if (state.verified) continue;
      await this.prepareFile(file, state);
      const job: FileJob = { file, state };
      const missing = state.written.map((_, index) => index).filter((index) => state.written[index]! < this.partLength(state, index));
      remaining.set(file.path, missing.length);
      for (const index of missing) tasks.push({ job, index });
      if (missing.length === 0) tasks.push({ job, index: -1 });
    }
    let failure: unknown;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < tasks.length) {
        const { job, index } = tasks[next++]!;
        try {
          if (job.file.digest !== undefined) job.follower ??= followDigest(this.stagedPath(job.file), job.file.digest, job.state, hashing, this.stop.signal);
          if (index >= 0) await this.fetchPart(job, index, saver);
          const left = (remaining.get(job.file.path) ?? 1) - (index >= 0 ? 1 : 0);
          remaining.set(job.file.path, left);
          if (left === 0) {
            remaining.delete(job.file.path);
            await this.verify(job, saver);
          }
        } catch (error) {
          failure ??= error;
          this.stop.abort(error);
        }
      }
    };
    const concurrency = Math.max(1, Math.min(this.options.concurrency ?? DEFAULT_CONCURRENCY, tasks.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (failure !== undefined) throw this.signal.aborted ? this.signal.reason : failure;
  }

  private partLength(state: FileState, index: number): number {
    return Math.min(state.partSize, state.size - index * state.partSize);
  }

  private stagedPath(file: RemoteFile): string {
    return join(this.stagedFiles, ...file.path.split("/"));
  }

  /** The staging file at its full size (sparse), so parts can be written at their offsets. */
  private async prepareFile(file: RemoteFile, state: FileState): Promise<void> {
    const path = this.stagedPath(file);
    await mkdir(dirname(path), { recursive: true });
    const existing = await stat(path).catch(() => undefined);
    if (existing !== undefined && existing.size === file.size) return;
    this.progress.bytesDone -= bytesWritten(state);
    state.written.fill(0);
    const handle = await open(path, "w");
    try {
      await handle.truncate(file.size);
    } finally {
      await handle.close();
    }
  }

  private async fetchPart({ file, state, follower }: FileJob, index: number, saver: StateSaver): Promise<void> {
    const start = index * state.partSize + state.written[index]!;
    const end = index * state.partSize + this.partLength(state, index);
    const handle = await open(this.stagedPath(file), "r+");
    try {
      const job = {
        source: this.source,
        file,
        handle,
        start,
        end,
        wrote: (bytes: number) => {
          state.written[index]! += bytes;
          this.bytesFetched += bytes;
          this.progress.bytesDone += bytes;
          saver.changed();
          follower?.notify(index);
          this.report(this.progress, false);
        },
      };
      await fetchPart(job, this.policy, this.stop.signal);
    } finally {
      await handle.close();
    }
  }

  /** Checks a file whose parts are all written against its digest; a mismatch drops the file's bytes and fails. */
  private async verify({ file, state, follower }: FileJob, saver: StateSaver): Promise<void> {
    const path = this.stagedPath(file);
    const size = (await stat(path)).size;
    let problem = size === file.size ? undefined : `${size} bytes, expected ${file.size}`;
    if (problem === undefined && follower !== undefined) problem = await follower.mismatch();
    if (problem !== undefined) {
      state.written.fill(0);
      this.progress.bytesDone -= file.size;
      await saver.flush();
      await rm(path, { force: true });
      throw new KittError("DOWNLOAD_FAILED", `${this.source.display}: ${file.path} does not verify (${problem}); its bytes were removed, run the download again`);
    }
    state.verified = true;
    this.progress.filesDone += 1;
    saver.changed();
    this.report(this.progress, true);
  }

  /** Renames the staging tree onto the destination (an empty folder there is replaced). */
  private async placeAtDestination(): Promise<void> {
    await rmdir(this.dest).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw new KittError("USAGE", `${this.dest} appeared while downloading and is not empty; the download is kept in ${this.staging}`);
    });
    await rename(this.stagedFiles, this.dest);
  }

  private report(progress: DownloadProgress, force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastReport < PROGRESS_EVERY_MS) return;
    this.lastReport = now;
    this.options.onProgress?.({ ...progress });
  }
}
