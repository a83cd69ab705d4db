/**
 * The runtime's adapter cache: each adapter is downloaded into `<root>/<name>/<key of its URI>/`
 * and recorded as complete in `<key>.json` beside it, so it is downloaded once, whoever asks.
 * Loads of one adapter in this process share one download; other processes using the same cache
 * wait on a lock file (`<key>.lock`). Names are checked before they become paths, and the path
 * the downloader returns must lie inside the adapter's folder.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, realpath } from "node:fs/promises";
import { join, relative } from "node:path";
import { cacheDir } from "../../config/paths.js";
import { KittError } from "../../errors.js";
import { writeJsonAtomically } from "../../fs/atomic-file.js";
import { withFileLock } from "../../fs/file-lock.js";
import { isObject } from "../../json.js";
import { isInside } from "../../models/model-paths.js";

/**
 * Downloads the artifact at `uri` (`s3://`, `obs://`, `hf://`, `pvc://`, a plain path) into
 * `destDir` and resolves with the local path of what the engine should read (a file or a
 * folder inside `destDir`).
 */
export type FetchArtifact = (uri: string, destDir: string, signal: AbortSignal) => Promise<string>;

/** Letters, digits, `.`, `_`, `-`, starting with a letter or digit: a name that is one path segment and never `.` or `..`. */
const ADAPTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A `KittError` (`USAGE`) unless `name` can name an adapter and its cache folder. */
export function checkAdapterName(name: string): void {
  if (!ADAPTER_NAME.test(name)) {
    throw new KittError("USAGE", `adapter name ${JSON.stringify(name).slice(0, 140)}: use letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit)`);
  }
}

/** `~/.cache/kitt/lora-adapters` (or under `KITT_CACHE_DIR`): where the runtime keeps adapters unless told otherwise. */
export function defaultAdapterCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), "lora-adapters");
}

interface CompleteRecord {
  uri: string;
  /** The engine's path, relative to the adapter's folder. */
  path: string;
}

export class AdapterCache {
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(
    /** The cache's root folder (created when first needed). */
    readonly root: string,
    private readonly fetchArtifact: FetchArtifact,
  ) {}

  /** The local path of adapter `name` from `uri`, downloaded unless an earlier download completed. */
  localPath(name: string, uri: string, signal: AbortSignal): Promise<string> {
    checkAdapterName(name);
    const key = createHash("sha256").update(uri).digest("hex").slice(0, 16);
    const folder = join(this.root, name, key);
    let download = this.#inFlight.get(folder);
    if (download === undefined) {
      download = this.#download(name, uri, key, signal).finally(() => this.#inFlight.delete(folder));
      this.#inFlight.set(folder, download);
    }
    return download;
  }

  async #download(name: string, uri: string, key: string, signal: AbortSignal): Promise<string> {
    const nameDir = join(this.root, name);
    await mkdir(nameDir, { recursive: true });
    const folder = join(nameDir, key);
    const recordPath = join(nameDir, `${key}.json`);
    return withFileLock(
      join(nameDir, `${key}.lock`),
      async () => {
        const done = await completed(folder, recordPath, uri);
        if (done !== undefined) return done;
        await mkdir(folder, { recursive: true });
        const local = await this.fetchArtifact(uri, folder, signal);
        const inside = await pathInside(folder, local);
        await writeJsonAtomically(recordPath, { uri, path: inside } satisfies CompleteRecord);
        return join(folder, inside);
      },
      { guards: `the download of adapter ${name}`, timeoutCode: "DOWNLOAD_FAILED", signal, pollMs: 200 },
    );
  }
}

/** The recorded local path of a completed download of `uri` that is still there. */
async function completed(folder: string, recordPath: string, uri: string): Promise<string | undefined> {
  let record: unknown;
  try {
    record = JSON.parse(await readFile(recordPath, "utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(record) || record.uri !== uri || typeof record.path !== "string") return undefined;
  const local = join(folder, record.path);
  return existsSync(local) && (await pathInside(folder, local).then(() => true, () => false)) ? local : undefined;
}

/** `path` relative to `folder` once links are followed; `UNSAFE_PATH` when it lies outside. */
async function pathInside(folder: string, path: string): Promise<string> {
  const [base, target] = await Promise.all([
    realpath(folder),
    realpath(path).catch((error: unknown) => {
      throw new KittError("DOWNLOAD_FAILED", `the adapter download left nothing at ${path}`, { cause: error });
    }),
  ]);
  if (!isInside(base, target)) throw new KittError("UNSAFE_PATH", `the downloaded adapter ${path} lies outside its cache folder ${folder}`);
  return relative(base, target) || ".";
}
