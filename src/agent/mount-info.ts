/**
 * `/proc/self/mountinfo` (proc(5)): which paths are mount points, and of what. Read from the
 * file rather than `mount` or `findmnt` output, whose formats vary between util-linux versions.
 */
import { readFile } from "node:fs/promises";

export const MOUNT_INFO_PATH = "/proc/self/mountinfo";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** The mount's source, e.g. `nfs-server:/export/models` or `/dev/nvme0n1p2`. */
  source: string;
  /** The path inside the source's filesystem that is mounted (a bind mount's subfolder). */
  root: string;
}

/** Octal escapes the kernel writes for space, tab, newline and backslash. */
function unescapeField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * One entry per well-formed line: `ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPER_OPTIONS`;
 * malformed lines are skipped.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    const separator = fields.indexOf("-", 6);
    const [root, mountPoint] = [fields[3], fields[4]];
    const [fsType, source] = [fields[separator + 1], fields[separator + 2]];
    if (separator < 0 || !root || !mountPoint || !fsType || source === undefined) continue;
    entries.push({ root: unescapeField(root), mountPoint: unescapeField(mountPoint), fsType: unescapeField(fsType), source: unescapeField(source) });
  }
  return entries;
}

export async function readMountInfo(path = MOUNT_INFO_PATH): Promise<MountEntry[]> {
  return parseMountInfo(await readFile(path, "utf8"));
}

/** The mount whose mount point `realPath` is (the one mounted last, which hides the others); undefined when it is none. */
export function mountAt(entries: readonly MountEntry[], realPath: string): MountEntry | undefined {
  return entries.findLast((entry) => entry.mountPoint === realPath);
}
