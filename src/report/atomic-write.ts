/**
 * Writes a file so readers (and a crash) only ever see the old or the new content: write a
 * temporary file beside it, flush it to disk, then rename it over the target.
 */
import { open, rename, rm } from "node:fs/promises";

let counter = 0;

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${++counter}.tmp`;
  try {
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
