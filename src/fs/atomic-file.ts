/**
 * Files are written beside their final path and renamed into place, so a crash or a
 * concurrent reader only ever sees the old or the new content, never half of it.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { copyFile, open, rename, rm } from "node:fs/promises";

/** A unique sibling of `path` to write into before renaming. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Calls `write(tempPath)`, then renames the result onto `path`; removes the temp file on failure. */
export async function replaceAtomically<T>(path: string, write: (tempPath: string) => Promise<T>): Promise<T> {
  const temp = tempPathFor(path);
  try {
    const result = await write(temp);
    await rename(temp, path);
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Writes and flushes to disk before the rename, so the new content survives a power cut too. */
export function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  return replaceAtomically(path, async (temp) => {
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

export function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  return writeFileAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** `writeFileAtomically` without yielding: for the last moment before a forced exit. */
export function writeFileAtomicallySync(path: string, data: string | Uint8Array): void {
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, "w");
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export function copyFileAtomically(from: string, to: string): Promise<void> {
  return replaceAtomically(to, (temp) => copyFile(from, temp));
}
