/**
 * Cache files are written next to their final path and renamed into place, so a crash or a
 * concurrent process never sees a half-written file.
 */
import { randomBytes } from "node:crypto";
import { copyFile, rename, rm, writeFile } from "node:fs/promises";

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

export function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  return replaceAtomically(path, (temp) => writeFile(temp, data));
}

export function copyFileAtomically(from: string, to: string): Promise<void> {
  return replaceAtomically(to, (temp) => copyFile(from, temp));
}
