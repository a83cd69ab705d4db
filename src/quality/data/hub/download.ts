/**
 * One data set file from the Hugging Face Hub, cached and verified:
 * `GET {HF_ENDPOINT}/datasets/{repo}/resolve/{revision}/{path}`.
 *
 * - Redirects are followed by hand, as `huggingface_hub` does: the file's checksum and size come
 *   from the Hub's own answer (`X-Linked-Etag` / `X-Linked-Size` on the 302 to the CDN for LFS and
 *   Xet files; `ETag` on a 200 for plain git files), never from the CDN, whose ETag is another hash.
 *   `Authorization: Bearer $HF_TOKEN` goes to the Hub's host only, not to the signed CDN URL.
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
import { KittError } from "../../../errors.js";
import { writeFileAtomically } from "../../../fs/atomic-file.js";
import { withFileLock } from "../../../fs/file-lock.js";
import { hubSettings, type HubSettings } from "./hub-env.js";

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
const MAX_REDIRECTS = 10;

export function hubFileUrl(endpoint: string, ref: HubFileRef): string {
  const path = ref.path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/datasets/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
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

/** A failure worth another try: the connection broke, the server had a bad moment, the bytes did not verify. */
class RetryableError extends Error {}

interface FileDigest {
  sha256: string;
  /** Git's blob id: sha1 of `blob <size>\0<content>`, what the Hub sends as ETag for plain git files. */
  gitSha1: string;
  size: number;
}

interface HubMeta {
  etag?: string;
  size?: number;
  commit?: string;
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

/**
 * Sends the request, following redirects by hand. Headers of Hub responses (the endpoint's
 * origin) give the metadata: the first `X-Linked-Etag` wins; a plain 200 gives `ETag`.
 */
async function requestHub(
  method: "GET" | "HEAD",
  ref: HubFileRef,
  settings: HubSettings,
  from: number,
  signal: AbortSignal | undefined,
): Promise<{ response: Response; meta: HubMeta }> {
  const hubOrigin = new URL(settings.endpoint).origin;
  const meta: HubMeta = {};
  let url = hubFileUrl(settings.endpoint, ref);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const onHub = new URL(url).origin === hubOrigin;
    const headers: Record<string, string> = { "Accept-Encoding": "identity", "User-Agent": "kitt" };
    if (from > 0) headers.Range = `bytes=${from}-`;
    if (onHub && settings.token) headers.Authorization = `Bearer ${settings.token}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, redirect: "manual", signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new RetryableError(`cannot reach ${new URL(url).origin} (${describeCause(error)})`, { cause: error });
    }
    const redirect = response.status >= 300 && response.status < 400 && response.headers.has("location");
    if (onHub) {
      meta.commit ??= response.headers.get("x-repo-commit") ?? undefined;
      const linked = response.headers.get("x-linked-etag");
      if (meta.etag === undefined && linked) {
        meta.etag = normalizeEtag(linked);
        meta.size = toSize(response.headers.get("x-linked-size"));
      } else if (meta.etag === undefined && !redirect && response.ok && response.headers.get("etag")) {
        meta.etag = normalizeEtag(response.headers.get("etag")!);
        meta.size = response.status === 200 ? contentLength(response) : parseContentRange(response.headers.get("content-range"))?.total;
      }
    }
    if (redirect) {
      const next = new URL(response.headers.get("location")!, url).toString();
      // A metadata check stops, as huggingface_hub does, at the redirect that leaves the Hub.
      if (method === "HEAD" && meta.etag !== undefined && new URL(next).origin !== hubOrigin) return { response, meta };
      await discard(response);
      url = next;
      continue;
    }
    if (response.status >= 400 && response.status !== 416) {
      await discard(response);
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw new RetryableError(`${new URL(url).host} answered ${response.status}${serverSays(response)}`);
      }
      throw hubHttpError(response, ref, settings, onHub);
    }
    return { response, meta };
  }
  throw new KittError("DOWNLOAD_FAILED", `${describeRef(ref)}: more than ${MAX_REDIRECTS} redirects from ${settings.endpoint}`);
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

function howToSetToken(tokensPage: string): string {
  return `create a read token at ${tokensPage} and set HF_TOKEN to it (or save it with \`hf auth login\`)`;
}

/** The Hub's error answers, by status and `X-Error-Code` (the codes `huggingface_hub` reads). */
function hubHttpError(response: Response, ref: HubFileRef, settings: HubSettings, onHub: boolean): KittError {
  const code = response.headers.get("x-error-code") ?? "";
  const says = serverSays(response);
  const page = `${settings.endpoint}/datasets/${ref.repo}`;
  const tokens = `${settings.endpoint}/settings/tokens`;
  const token = `the token from ${settings.tokenSource ?? "HF_TOKEN"}`;
  if (!onHub) return new KittError("DOWNLOAD_FAILED", `${describeRef(ref)}: the download server answered ${response.status}${says}`);
  switch (response.status) {
    case 401:
      if (code === "GatedRepo") {
        return new KittError("CONFIG_INVALID", `${ref.repo} is a gated data set and no Hub token is set (401${says}): accept its terms at ${page}, then ${howToSetToken(tokens)}`);
      }
      if (settings.token) {
        return new KittError(
          "CONFIG_INVALID",
          `the Hub rejected ${token} (401${says}): it is wrong, expired or revoked, or cannot read ${ref.repo}; ${howToSetToken(tokens)}`,
        );
      }
      return new KittError(
        "CONFIG_INVALID",
        `the Hub wants a token for ${ref.repo} (401${says}): the data set is private or gated, or does not exist; check the name, or ${howToSetToken(tokens)}`,
      );
    case 403:
      if (code === "GatedRepo") {
        return new KittError("CONFIG_INVALID", `${ref.repo} is a gated data set (403${says}): accept its terms at ${page} with the account ${token} belongs to`);
      }
      return new KittError("CONFIG_INVALID", `the Hub forbids ${describeRef(ref)} (403${says}): check that ${token} may read ${ref.repo}`);
    case 404:
      if (code === "RevisionNotFound") return new KittError("NOT_FOUND", `${ref.repo} has no revision ${ref.revision} (404${says}): check the test's \`revision\``);
      if (code === "EntryNotFound") return new KittError("NOT_FOUND", `${ref.repo} has no file ${ref.path} at revision ${ref.revision} (404${says})`);
      if (code === "RepoNotFound") return new KittError("NOT_FOUND", `there is no data set ${ref.repo} on ${settings.endpoint} (404${says})`);
      return new KittError("NOT_FOUND", `${describeRef(ref)} not found on ${settings.endpoint} (404${says})`);
    default:
      return new KittError("NOT_FOUND", `${describeRef(ref)}: the Hub answered ${response.status}${says}`);
  }
}

function serverSays(response: Response): string {
  const code = response.headers.get("x-error-code");
  const message = response.headers.get("x-error-message");
  if (!code && !message) return "";
  return ` ${[code, message].filter(Boolean).join(": ")}`;
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

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to release.
  }
}

function normalizeEtag(value: string): string {
  return value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
}

function toSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function contentLength(response: Response): number | undefined {
  return toSize(response.headers.get("content-length"));
}

function parseContentRange(value: string | null): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (match === null) return undefined;
  return { start: Number(match[1]), ...(match[3] === "*" ? {} : { total: Number(match[3]) }) };
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
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
