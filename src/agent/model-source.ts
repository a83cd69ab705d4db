/**
 * Where an agent's test finds its model: in the agent's model directory, else copied from the
 * configured share into it (verified, placed atomically and marked as a copy, so cleanup
 * deletes only what the agent copied). A reference never leads outside the model directory or
 * the share, through `..`, an absolute path or a symlink.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, realpath, rename, rm } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix } from "node:path";
import { KittError } from "../errors.js";
import { withFileLock } from "../fs/file-lock.js";
import { isInside, modelDirRoot, resolveModelReference } from "../models/model-paths.js";
import { ensureCopiesDir, listMarkers, lockPath, readMarker, removeCopy, writeMarker, type RemovedCopy } from "./copied-models.js";
import { assertFreeSpace, copyVerified, listSourceFiles, type CopyProgress } from "./model-copy.js";
import { shareRoot, type ModelShare, type ShareMountOptions } from "./model-share.js";

export interface AgentModelOptions {
  modelDir: string;
  share?: ModelShare;
  mount?: ShareMountOptions;
  onProgress?: (progress: CopyProgress) => void;
  signal?: AbortSignal;
}

export interface AgentModel {
  /** The real path of the model file or folder, inside the model directory. */
  path: string;
  /** Its path relative to the model directory. */
  relative: string;
  /** Copied from the share by this call (what `auto_cleanup` deletes after the test). */
  copied: boolean;
}

const PARTIAL = ".kitt-partial-";

/** The model `reference` (a path relative to the model directory and the share), copied from the share when absent. */
export async function resolveAgentModel(reference: string, options: AgentModelOptions): Promise<AgentModel> {
  const model = normalizeModelReference(reference);
  const root = await modelDirRoot(options.modelDir);
  try {
    return { ...(await resolveModelReference(root, model)), copied: false };
  } catch (error) {
    if (!(error instanceof KittError && error.code === "MODEL_NOT_FOUND") || options.share === undefined) throw error;
  }
  const share = await shareRoot(options.share, options.mount);
  const source = await resolveModelReference(share, model).catch((error: unknown) => {
    if (error instanceof KittError && error.code === "MODEL_NOT_FOUND") {
      throw new KittError("MODEL_NOT_FOUND", `no model '${model}' in the model directory ${options.modelDir} or the share ${options.share?.mount}`);
    }
    throw error instanceof KittError ? new KittError(error.code, error.message.replace("the model directory", "the model share")) : error;
  });
  const destination = join(root, ...model.split("/"));
  const folders = await makeParentFolders(root, model);
  await ensureCopiesDir(root);
  return withFileLock(
    lockPath(root, model),
    async () => {
      // Another copy of the same model may have finished while this one waited for the lock.
      if (await lstat(destination).catch(() => undefined)) return { ...(await resolveModelReference(root, model)), copied: false };
      await removePartials(destination);
      const files = await listSourceFiles(share, source.path);
      await assertFreeSpace(dirname(destination), files.reduce((sum, file) => sum + file.size, 0));
      const temp = join(dirname(destination), `.${basename(destination)}${PARTIAL}${randomBytes(4).toString("hex")}`);
      try {
        const copied = await copyVerified(files, temp, { onProgress: options.onProgress, signal: options.signal });
        // Which file each copy is: inode and modification time (an inode alone may be reused by a file made after a delete).
        const identities = await Promise.all(
          copied.map(async (file) => {
            const info = await lstat(file.path === "" ? temp : join(temp, file.path), { bigint: true });
            return { ino: info.ino.toString(), mtime_ns: info.mtimeNs.toString() };
          }),
        );
        const subfolders = [...new Set(copied.flatMap((file) => ancestors(file.path).map((folder) => `${model}/${folder}`)))].sort(deepestFirst);
        await writeMarker(root, {
          model,
          source: source.path,
          copied_at: new Date().toISOString(),
          files: copied.map((file, index) => ({ ...file, ...identities[index]! })),
          folders: [...subfolders, ...(files.length === 1 && files[0]?.path === "" ? [] : [model]), ...folders],
        });
        await rename(temp, destination);
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        if (!(await lstat(destination).catch(() => undefined))) await removeCopy(root, { model, source: "", copied_at: "", files: [], folders });
        throw error;
      }
      return { path: await realpath(destination), relative: model, copied: true };
    },
    { guards: `a copy of ${model}`, timeoutCode: "DOWNLOAD_FAILED", timeoutMs: 12 * 60 * 60_000, pollMs: 200, signal: options.signal },
  );
}

/**
 * Deletes one copied model (`model`, relative to the model directory) or every copy but those
 * `keep` names; never a model the agent did not copy.
 */
export async function cleanupCopiedModels(modelDir: string, model?: string, keep: readonly string[] = []): Promise<RemovedCopy[]> {
  const root = await modelDirRoot(modelDir);
  if (model === undefined) {
    const markers = (await listMarkers(root)).filter((marker) => !keep.includes(marker.model));
    return Promise.all(markers.map((marker) => removeCopy(root, marker)));
  }
  const name = normalizeModelReference(model);
  const marker = await readMarker(root, name);
  if (marker === undefined) throw new KittError("NOT_FOUND", `'${name}' is not a model this agent copied; nothing deleted`);
  return [await removeCopy(root, marker)];
}

/** The models this agent copied into the model directory and has not deleted. */
export async function listCopiedModels(modelDir: string): Promise<string[]> {
  return (await listMarkers(await modelDirRoot(modelDir))).map((marker) => marker.model).sort();
}

/** A plain relative path with `/` separators (as copies are named), or a USAGE error. */
export function normalizeModelReference(reference: string): string {
  const parts = reference.split(/[\\/]/);
  if (reference === "" || reference.includes("\0") || isAbsolute(reference) || parts.includes("..")) {
    throw new KittError("USAGE", `model reference '${reference}' must be a path inside the model directory, without '..'`);
  }
  const model = posix.normalize(parts.join("/")).replace(/\/+$/, "");
  if (model === "." || model === "" || model.split("/").some((part) => part.includes(PARTIAL) || part === ".kitt-copies")) {
    throw new KittError("USAGE", `model reference '${reference}' does not name a model`);
  }
  return model;
}

/**
 * Creates the folders above `model` that are missing, one level at a time, each under a parent
 * checked to be inside the model directory (a symlinked folder may not lead a copy outside);
 * returns those created, deepest first.
 */
async function makeParentFolders(root: string, model: string): Promise<string[]> {
  const created: string[] = [];
  for (const folder of ancestors(model)) {
    const path = join(root, ...folder.split("/"));
    if (!(await lstat(path).catch(() => undefined))) {
      await mkdir(path);
      created.push(folder);
    }
    const real = await realpath(path);
    if (!isInside(root, real)) throw new KittError("USAGE", `model reference '${model}' leads outside the model directory`);
  }
  return created.sort(deepestFirst);
}

/** `a/b/c` → `a`, `a/b`: the folders a relative path lies in. */
function ancestors(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, index) => parts.slice(0, index + 1).join("/"));
}

function deepestFirst(a: string, b: string): number {
  return b.split("/").length - a.split("/").length || a.localeCompare(b);
}

/** Leftovers of a copy cut short (a crash): only ever our own temp names for this model. */
async function removePartials(destination: string): Promise<void> {
  const prefix = `.${basename(destination)}${PARTIAL}`;
  for (const name of await readdir(dirname(destination))) {
    if (name.startsWith(prefix)) await rm(join(dirname(destination), name), { recursive: true, force: true });
  }
}
