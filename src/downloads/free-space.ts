/** The free-space check before a download writes anything. */
import { statfs } from "node:fs/promises";
import { KittError } from "../errors.js";

/** Bytes an unprivileged process may still write on the filesystem holding `path`. */
export type FreeSpaceProbe = (path: string) => Promise<number>;

export const statfsFreeSpace: FreeSpaceProbe = async (path) => {
  const info = await statfs(path);
  return info.bavail * info.bsize;
};

export async function checkFreeSpace(folder: string, needed: number, probe: FreeSpaceProbe = statfsFreeSpace): Promise<void> {
  if (needed <= 0) return;
  const free = await probe(folder);
  if (free < needed) {
    throw new KittError("NO_SPACE", `the download needs ${gib(needed)} more but ${folder} has ${gib(free)} free; free some space or choose another destination`);
  }
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
