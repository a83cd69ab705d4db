/**
 * Copying a model file or folder with progress, each file checked against its source: the
 * bytes read are hashed on the way, the copy is read back from disk and must have the same
 * size and SHA-256, and the source must not have changed meanwhile. Copies go to a temp name
 * beside their final path; only the caller renames them into place, once all is verified.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, open, readdir, realpath, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { KittError } from "../errors.js";
import { isInside } from "../models/model-paths.js";

export interface CopyProgress {
  /** Bytes copied so far, of all files. */
  bytesDone: number;
  bytesTotal: number;
  /** The file being copied, relative to the model (`""` for a single-file model). */
  file: string;
}

export interface SourceFile {
  /** Relative to the model with `/` separators; `""` when the model is this one file. */
  path: string;
  real: string;
  size: number;
}

export interface CopiedFile {
  path: string;
  size: number;
  sha256: string;
}

const CHUNK_BYTES = 1 << 20;

/**
 * The files of a model at `real` (a file or a folder inside the share `root`): symlinks are
 * followed only where they stay inside the share; anything but files and folders is refused.
 */
export async function listSourceFiles(root: string, real: string): Promise<SourceFile[]> {
  const info = await stat(real);
  if (info.isFile()) return [{ path: "", real, size: info.size }];
  const files: SourceFile[] = [];
  const visited = new Set<string>();
  async function walk(folder: string, prefix: string): Promise<void> {
    if (visited.has(folder)) return;
    visited.add(folder);
    for (const name of (await readdir(folder)).sort()) {
      const path = prefix ? `${prefix}/${name}` : name;
      const target = await realpath(join(folder, name));
      if (!isInside(root, target)) throw new KittError("USAGE", `'${path}' in the model leads outside the model share; not copied`);
      const entry = await stat(target);
      if (entry.isDirectory()) await walk(target, path);
      else if (entry.isFile()) files.push({ path, real: target, size: entry.size });
      else throw new KittError("USAGE", `'${path}' in the model is neither a file nor a folder; not copied`);
    }
  }
  await walk(real, "");
  return files;
}

/** Fails with STORAGE_FAILED unless the filesystem of `dir` has `bytes` free for this user. */
export async function assertFreeSpace(dir: string, bytes: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < bytes) {
    throw new KittError("STORAGE_FAILED", `not enough free space in ${dir} to copy the model: it needs ${formatGb(bytes)}, ${formatGb(free)} is free`);
  }
}

function formatGb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path, { highWaterMark: CHUNK_BYTES }), hash, { signal });
  return hash.digest("hex");
}

/**
 * Copies `files` under `destination` (which must not exist: it is a temp name), calling
 * `onProgress` per chunk; verifies each file as described above and fails with
 * DOWNLOAD_FAILED on any difference. Cut short by `signal`, it throws the signal's reason. On
 * failure the caller removes `destination`.
 */
export async function copyVerified(
  files: readonly SourceFile[],
  destination: string,
  options: { onProgress?: (progress: CopyProgress) => void; signal?: AbortSignal } = {},
): Promise<CopiedFile[]> {
  try {
    return await copyFiles(files, destination, options);
  } catch (error) {
    throw options.signal?.aborted ? options.signal.reason : error;
  }
}

async function copyFiles(
  files: readonly SourceFile[],
  destination: string,
  options: { onProgress?: (progress: CopyProgress) => void; signal?: AbortSignal } = {},
): Promise<CopiedFile[]> {
  const bytesTotal = files.reduce((sum, file) => sum + file.size, 0);
  let bytesDone = 0;
  const single = files.length === 1 && files[0]?.path === "";
  if (!single) await mkdir(destination, { mode: 0o755 });
  const copied: CopiedFile[] = [];
  for (const file of files) {
    const target = single ? destination : join(destination, ...file.path.split("/"));
    if (!single) await mkdir(join(target, ".."), { recursive: true });
    const before = await lstat(file.real);
    const hash = createHash("sha256");
    let bytes = 0;
    await pipeline(
      createReadStream(file.real, { highWaterMark: CHUNK_BYTES }),
      async function* count(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          bytesDone += chunk.length;
          options.onProgress?.({ bytesDone, bytesTotal, file: file.path });
          yield chunk;
        }
      },
      createWriteStream(target, { flags: "wx", mode: 0o644 }),
      { signal: options.signal },
    );
    await syncFile(target);
    const after = await lstat(file.real);
    const shown = file.path || "the model file";
    if (bytes !== file.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new KittError("DOWNLOAD_FAILED", `${shown} changed on the share while it was copied (${file.size} bytes listed, ${bytes} read); not placed`);
    }
    const sha256 = hash.digest("hex");
    const [copySize, copySha256] = [(await stat(target)).size, await sha256File(target, options.signal)];
    if (copySize !== file.size || copySha256 !== sha256) {
      throw new KittError("DOWNLOAD_FAILED", `the copy of ${shown} does not match the share (size ${copySize} vs ${file.size}, sha256 ${copySha256.slice(0, 12)}… vs ${sha256.slice(0, 12)}…); not placed`);
    }
    copied.push({ path: file.path, size: file.size, sha256 });
  }
  return copied;
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
