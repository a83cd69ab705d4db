/**
 * Paths from a remote listing are data, not trusted: before anything is written, each must be a
 * plain relative `/`-separated path that stays under the destination, and no two may clash.
 */
import { KittError } from "../errors.js";

/** Kept in the destination to say which download filled it; no remote file may take its name. */
export const COMPLETION_MARKER = ".kitt-download.json";

/** Why `path` could not be written under a destination, or undefined when it can. */
export function unsafePathReason(path: string): string | undefined {
  if (path === "") return "it is empty";
  if (path.includes("\\")) return "it contains a backslash";
  if (path.includes("\0")) return "it contains a NUL byte";
  if (path.startsWith("/")) return "it is absolute";
  if (/^[A-Za-z]:/u.test(path)) return "it starts with a drive letter";
  for (const segment of path.split("/")) {
    if (segment === "") return "it has an empty segment";
    if (segment === "." || segment === "..") return `it has a "${segment}" segment`;
  }
  if (path === COMPLETION_MARKER) return "kitt keeps its own record under that name";
  return undefined;
}

/** Throws `UNSAFE_PATH` for the first path that is unsafe or clashes with another (a file and a folder of one name). */
export function checkRemotePaths(paths: readonly string[], sourceDisplay: string): void {
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const path of paths) {
    const reason = unsafePathReason(path);
    if (reason !== undefined) throw new KittError("UNSAFE_PATH", `${sourceDisplay} lists ${JSON.stringify(path)}, which cannot be written under the destination: ${reason}; nothing was downloaded`);
    if (files.has(path) || folders.has(path)) throw clash(path, sourceDisplay);
    files.add(path);
    const segments = path.split("/");
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join("/");
      if (files.has(folder)) throw clash(folder, sourceDisplay);
      folders.add(folder);
    }
  }
}

function clash(path: string, sourceDisplay: string): KittError {
  return new KittError("UNSAFE_PATH", `${sourceDisplay} lists ${JSON.stringify(path)} twice, or as both a file and a folder; nothing was downloaded`);
}
