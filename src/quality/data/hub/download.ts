/**
 * One data set file from the Hugging Face Hub, cached and verified:
 * `GET {HF_ENDPOINT}/datasets/{repo}/resolve/{revision}/{path}`.
 *
 * - The request itself is the model downloader's (`src/downloads/hf/hub-request.ts`): redirects
 *   followed by hand, the checksum and size from the Hub's own answer, never from the CDN, and
 *   the token sent to the Hub's host only. The Hub settings are shared too (`hub-settings.ts`).
 * - The checksum is the content's sha256 (64 hex) for LFS/Xet files and the git blob sha1 (40 hex)
 *   for plain git files; the download must match it. kitt keeps the content's sha256 beside the
 *   cached file (`<file>.sha256`, `sha256sum` format) and checks the file against it on every use.
 * - One process downloads a file at a time (`<file>.lock`); another waits and then uses its result.
 * - Bytes go to `<file>.part`; a broken connection is retried with `Range: bytes=<have>-` and the
 *   206 answer appended (a 200 restarts the file). The finished file is renamed into place.
 * - A revision that is a commit sha is immutable: a verified cached file is used without asking the
 *   Hub. A branch or tag is checked against the Hub's current checksum when the Hub can be reached.
 * - `HF_HUB_OFFLINE=1`: no request at all; the cache or a clear error.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ReadableStreamReadResult } from "node:stream/web";
import { setTimeout as sleep } from "node:timers/promises";
import { cacheDir } from "../../../config/paths.js";
import {
  contentLength,
  discard,
  howToSetToken,
  HubRefusal,
  hubResolveUrl,
  parseContentRange,
  refusalKind,
  requestHubFile,
  RetryableError,
  type HubFileMeta,
} from "../../../downloads/hf/hub-request.js";
import { hubSettings as hubConnection, type HubSettings as HubConnection } from "../../../downloads/hf/hub-settings.js";
import { KittError } from "../../../errors.js";
import { writeFileAtomically } from "../../../fs/atomic-file.js";
import { withFileLock } from "../../../fs/file-lock.js";

export interface HubFileRef {
  /** `owner/name`, e.g. `cais/mmlu`. */
  repo: string;
  /** Branch, tag or commit sha. */
  revision: string;
  /** Path inside the repository, e.g. `all/test-00000-of-00001.parquet`. */
  path: string;
}

export interface DownloadProgress {
  repo: string;
  path: string;
  /** Bytes on disk so far, resumed bytes included. */
  done: number;
  /** The file's size, when the Hub said it. */
  total?: number;
  /** Set while another process (this pid) downloads the same file and this one waits for it. */
  waitingForPid?: number;
}

export interface DownloadOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  /** Tries per file when the connection breaks or the bytes do not verify (default 4). */
  attempts?: number;
  /** Pause before the second try, doubled for each later one (default 1000 ms). */
  retryDelayMs?: number;
}

export interface HubFile extends HubFileRef {
  localPath: string;
  sha256: string;
  size: number;
  fromCache: boolean;
  /** The commit the Hub resolved the revision to (`X-Repo-Commit`), when it was asked. */
  commit?: string;
}

const COMMIT_SHA = /^[0-9a-f]{40}$/;
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The shared Hub settings plus where this loader caches data set files (`<cacheDir>/datasets/hub/`). */
interface HubSettings extends HubConnection {
  cacheRoot: string;
}

function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  return { ...hubConnection(env), cacheRoot: join(cacheDir(env), "datasets", "hub") };
}

export interface CachePaths {
  file: string;
  sidecar: string;
  part: string;
}

export function hubCachePaths(cacheRoot: string, ref: HubFileRef): CachePaths {
  const file = join(cacheRoot, ...ref.repo.split("/"), encodeURIComponent(ref.revision), ...ref.path.split("/"));
  return { file, sidecar: `${file}.sha256`, part: `${file}.part` };
}

export async function downloadHubFile(ref: HubFileRef, options: DownloadOptions = {}): Promise<HubFile> {
  checkRef(ref);
  const settings = hubSettings(options.env);
  const paths = hubCachePaths(settings.cacheRoot, ref);
  const label = describeRef(ref);
  const cached = await readCached(paths);

  if (cached?.valid) {
    const hit = hubFile(ref, paths, cached.digest, true);
    if (settings.offline || COMMIT_SHA.test(ref.revision)) return hit;
    const current = await currentChecksum(ref, settings, options.signal);
    if (current === undefined || current.etag === cached.digest.sha256 || current.etag === cached.digest.gitSha1) {
      return current?.commit === undefined ? hit : { ...hit, commit: current.commit };
    }
  }
  if (settings.offline) {
    if (cached !== undefined && !cached.valid) {
      throw new KittError(
        "NOT_FOUND",
        `the cached ${label} at ${paths.file} is corrupt (its sha256 is ${cached.digest.sha256}, expected ${cached.expected}) and HF_HUB_OFFLINE is set, so it cannot be downloaded again: unset HF_HUB_OFFLINE`,
      );
    }
    throw new KittError(
      "NOT_FOUND",
      `HF_HUB_OFFLINE is set and ${label} is not in kitt's cache (${paths.file}): run once with network access, unset HF_HUB_OFFLINE, or point data_dir at a local copy`,
    );
  }
  try {
    await mkdir(dirname(paths.file), { recursive: true });
  } catch (error) {
    throw new KittError("STORAGE_FAILED", `cannot create the download cache folder ${dirname(paths.file)}: ${(error as Error).message}`, { cause: error });
  }
  // One download per cache file: a second kitt waits, then finds the file the first one finished.
  return withFileLock(
    `${paths.file}.lock`,
    async () => {
      const now = await readCached(paths);
      if (now?.valid && now.digest.sha256 !== (cached?.valid ? cached.digest.sha256 : undefined)) {
        return hubFile(ref, paths, now.digest, true);
      }
      if (now !== undefined) await removeQuietly(paths.file, paths.sidecar);
      return downloadWithRetries(ref, paths, settings, options);
    },
    {
      guards: `the download of ${label}`,
      timeoutCode: "DOWNLOAD_FAILED",
      signal: options.signal,
      onWait: (owner) => options.onProgress?.({ repo: ref.repo, path: ref.path, done: 0, waitingForPid: owner.pid }),
    },
  );
}

async function downloadWithRetries(ref: HubFileRef, paths: CachePaths, settings: HubSettings, options: DownloadOptions): Promise<HubFile> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let lastFailure: RetryableError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1 && retryDelayMs > 0) await sleep(retryDelayMs * 2 ** (attempt - 2), undefined, { signal: options.signal });
    try {
      const done = await downloadOnce(ref, paths, settings, options);
      await finish(paths, done.digest.sha256);
      const file = hubFile(ref, paths, done.digest, false);
      return done.commit ? { ...file, commit: done.commit } : file;
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      lastFailure = error;
    }
  }
  throw new KittError("DOWNLOAD_FAILED", `cannot download ${describeRef(ref)} from ${settings.endpoint}: ${lastFailure?.message ?? "no attempt was made"} (tried ${attempts} times)`, {
    cause: lastFailure,
  });
}

function hubFile(ref: HubFileRef, paths: CachePaths, digest: FileDigest, fromCache: boolean): HubFile {
  return { ...ref, localPath: paths.file, sha256: digest.sha256, size: digest.size, fromCache };
}

interface FileDigest {
  sha256: string;
  /** Git's blob id: sha1 of `blob <size>\0<content>`, what the Hub sends as ETag for plain git files. */
  gitSha1: string;
  size: number;
}

async function downloadOnce(ref: HubFileRef, paths: CachePaths, settings: HubSettings, options: DownloadOptions): Promise<{ digest: FileDigest; commit?: string }> {
  const label = describeRef(ref);
  const have = await sizeOf(paths.part);
  const { response, meta } = await requestHub("GET", ref, settings, have, options.signal);
  const report = (done: number, total: number | undefined) =>
    options.onProgress?.({ repo: ref.repo, path: ref.path, done, ...(total === undefined ? {} : { total }) });

  let start = 0;
  let total = meta.size;
  if (response.status === 416 && have > 0) {
    await discard(response);
    // The part file already holds every byte (or more than the file has): check what is there.
    if (meta.size !== have) {
      await rm(paths.part, { force: true });
      throw new RetryableError(`the partial download (${have} bytes) does not fit the file on the Hub; starting over`);
    }
    start = have;
  } else if (response.status === 206) {
    const range = parseContentRange(response.headers.get("content-range"));
    if (range === undefined || range.start !== have) {
      await discard(response);
      await rm(paths.part, { force: true });
      throw new RetryableError(`the Hub answered the resume request with bytes ${response.headers.get("content-range") ?? "(no Content-Range)"}; starting over`);
    }
    start = have;
    total ??= range.total;
  } else if (response.status === 200) {
    total ??= contentLength(response);
  } else {
    await discard(response);
    throw new KittError("DOWNLOAD_FAILED", `${label}: unexpected answer ${response.status} from ${response.url}`);
  }
  const expected = meta.etag;
  if (expected === undefined || !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(expected)) {
    await discard(response);
    throw new KittError(
      "DOWNLOAD_FAILED",
      `${settings.endpoint} sent no usable checksum for ${label} (X-Linked-Etag: ${meta.etag ?? "none"}), so the download cannot be verified; is HF_ENDPOINT a Hugging Face Hub?`,
    );
  }

  let done = start;
  report(done, total);
  if (response.status !== 416) {
    const handle = await openPart(paths.part, start > 0 ? "a" : "w");
    try {
      const reader = response.body?.getReader();
      while (reader !== undefined) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (options.signal?.aborted) throw error;
          throw new RetryableError(`the connection broke after ${done} of ${total ?? "?"} bytes (${(error as Error).message})`, { cause: error });
        }
        if (next.done) break;
        await writePart(handle, next.value, paths.part);
        done += next.value.byteLength;
        report(done, total);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  if (total !== undefined && done !== total) {
    if (done > total) await rm(paths.part, { force: true });
    throw new RetryableError(`got ${done} bytes of ${total}`);
  }
  const digest = await digestFile(paths.part);
  const matches = expected.length === 64 ? digest.sha256 === expected : digest.gitSha1 === expected;
  if (!matches) {
    await rm(paths.part, { force: true });
    throw new RetryableError(
      `the downloaded bytes do not match the Hub's checksum (expected ${expected.length === 64 ? "sha256" : "git sha1"} ${expected}, got ${expected.length === 64 ? digest.sha256 : digest.gitSha1})`,
    );
  }
  return { digest, ...(meta.commit ? { commit: meta.commit } : {}) };
}

/** Writes the checksum beside the file, then renames the verified part file into place. */
async function finish(paths: CachePaths, sha256: string): Promise<void> {
  try {
    await writeFileAtomically(paths.sidecar, `${sha256}  ${basename(paths.file)}\n`);
    await rename(paths.part, paths.file);
  } catch (error) {
    throw new KittError("STORAGE_FAILED", `cannot store ${paths.file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The file's answer from the Hub; a refusal becomes a message a person can act on. */
async function requestHub(
  method: "GET" | "HEAD",
  ref: HubFileRef,
  settings: HubSettings,
  from: number,
  signal: AbortSignal | undefined,
): Promise<{ response: Response; meta: HubFileMeta }> {
  const url = hubResolveUrl(settings.endpoint, { type: "dataset", ...ref });
  try {
    return await requestHubFile({ url, method, settings, ...(from > 0 ? { range: `bytes=${from}-` } : {}), ...(signal ? { signal } : {}) });
  } catch (error) {
    throw error instanceof HubRefusal ? hubHttpError(error, ref, settings) : error;
  }
}

/** The Hub's current checksum for a branch or tag; undefined when the Hub cannot be reached. */
async function currentChecksum(ref: HubFileRef, settings: HubSettings, signal?: AbortSignal): Promise<{ etag?: string; commit?: string } | undefined> {
  try {
    const { response, meta } = await requestHub("HEAD", ref, settings, 0, signal);
    await discard(response);
    return meta;
  } catch (error) {
    if (error instanceof RetryableError) return undefined;
    throw error;
  }
}

/** The Hub's refusals, worded for a data set a quality test needs. */
function hubHttpError(refusal: HubRefusal, ref: HubFileRef, settings: HubSettings): KittError {
  const says = refusal.says;
  const page = `${settings.endpoint}/datasets/${ref.repo}`;
  const token = `the token from ${settings.tokenSource ?? "HF_TOKEN"}`;
  const status = refusal.status;
  if (!refusal.onHub) return new KittError("DOWNLOAD_FAILED", `${describeRef(ref)}: the download server answered ${status}${says}`);
  switch (refusalKind(refusal, settings.token !== undefined)) {
    case "gated-login":
      return new KittError("CONFIG_INVALID", `${ref.repo} is a gated data set and no Hub token is set (401${says}): accept its terms at ${page}, then ${howToSetToken(settings.endpoint)}`);
    case "token-refused":
      return new KittError(
        "CONFIG_INVALID",
        `the Hub rejected ${token} (401${says}): it is wrong, expired or revoked, or cannot read ${ref.repo}; ${howToSetToken(settings.endpoint)}`,
      );
    case "login-needed":
      return new KittError(
        "CONFIG_INVALID",
        `the Hub wants a token for ${ref.repo} (401${says}): the data set is private or gated, or does not exist; check the name, or ${howToSetToken(settings.endpoint)}`,
      );
    case "gated-not-granted":
      return new KittError("CONFIG_INVALID", `${ref.repo} is a gated data set (403${says}): accept its terms at ${page} with the account ${token} belongs to`);
    case "forbidden":
      return new KittError("CONFIG_INVALID", `the Hub forbids ${describeRef(ref)} (403${says}): check that ${token} may read ${ref.repo}`);
    case "no-revision":
      return new KittError("NOT_FOUND", `${ref.repo} has no revision ${ref.revision} (404${says}): check the test's \`revision\``);
    case "no-entry":
      return new KittError("NOT_FOUND", `${ref.repo} has no file ${ref.path} at revision ${ref.revision} (404${says})`);
    case "no-repo":
      return new KittError("NOT_FOUND", `there is no data set ${ref.repo} on ${settings.endpoint} (404${says})`);
    case "not-found":
      return new KittError("NOT_FOUND", `${describeRef(ref)} not found on ${settings.endpoint} (404${says})`);
    default:
      return new KittError("NOT_FOUND", `${describeRef(ref)}: the Hub answered ${status}${says}`);
  }
}

async function readCached(paths: CachePaths): Promise<{ valid: boolean; digest: FileDigest; expected: string } | undefined> {
  let expected: string;
  try {
    expected = (await readFile(paths.sidecar, "utf8")).trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  } catch {
    return undefined;
  }
  if (!(await exists(paths.file))) return undefined;
  const digest = await digestFile(paths.file);
  return { valid: digest.sha256 === expected, digest, expected };
}

export async function digestFile(path: string): Promise<FileDigest> {
  const size = (await stat(path)).size;
  const sha256 = createHash("sha256");
  const sha1 = createHash("sha1").update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) {
    sha256.update(chunk as Buffer);
    sha1.update(chunk as Buffer);
  }
  return { sha256: sha256.digest("hex"), gitSha1: sha1.digest("hex"), size };
}

async function openPart(path: string, flags: "a" | "w") {
  try {
    return await open(path, flags);
  } catch (error) {
    throw new KittError("STORAGE_FAILED", `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function writePart(handle: Awaited<ReturnType<typeof open>>, bytes: Uint8Array, path: string): Promise<void> {
  try {
    await handle.write(bytes);
  } catch (error) {
    throw new KittError("STORAGE_FAILED", `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function removeQuietly(...paths: string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}

export function describeRef(ref: HubFileRef): string {
  return `${ref.repo} ${ref.path} @ ${ref.revision}`;
}

function checkRef(ref: HubFileRef): void {
  if (!REPO_ID.test(ref.repo)) throw new KittError("CONFIG_INVALID", `"${ref.repo}" is not a Hub data set id (owner/name)`);
  if (ref.revision.trim() === "" || /[\s\\]/.test(ref.revision) || ref.revision.split("/").some((part) => part === "..")) {
    throw new KittError("CONFIG_INVALID", `"${ref.revision}" is not a usable revision for ${ref.repo}`);
  }
  const parts = ref.path.split("/");
  if (parts.some((part) => part === "" || part === "." || part === ".." || part.includes("\\"))) {
    throw new KittError("CONFIG_INVALID", `"${ref.path}" is not a file path inside ${ref.repo}`);
  }
}
