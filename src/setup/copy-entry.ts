import { copyFile, lstat, readlink, symlink } from "node:fs/promises";

/** Copies a file, or re-creates a symlink as it is (the `.so` → `.so.0` → `.so.0.x.y` chains). */
export async function copyEntry(from: string, to: string): Promise<void> {
  if ((await lstat(from)).isSymbolicLink()) await symlink(await readlink(from), to);
  else await copyFile(from, to);
}
