/**
 * Copying from a mounted volume: `pvc://path` (the volume's path in the pod, `/path`) or a local
 * path. A folder gives every file under it (symbolic links followed, as a model cache's are); a
 * file gives itself. Files are read by range like any other source and checked by size.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { KittError } from "../errors.js";
import type { DownloadSource, RemoteFile, SourceContext } from "./source.js";

export function pvcSource(location: string, context: SourceContext): DownloadSource {
  return localSource(`/${location.replace(/^\/+/u, "")}`, `pvc://${location}`, context);
}

export function fileSource(location: string, context: SourceContext): DownloadSource {
  return localSource(resolve(location), location, context);
}

function localSource(root: string, display: string, context: SourceContext): DownloadSource {
  if (context.revision !== undefined) throw new KittError("USAGE", `${display}: --revision applies to Hugging Face repositories only`);
  return {
    display,
    async list() {
      const top = await stat(root).catch((error: NodeJS.ErrnoException) => {
        throw new KittError("NOT_FOUND", `${display}: ${error.code === "ENOENT" ? "no such file or folder" : error.message}`, { cause: error });
      });
      if (top.isFile()) return [{ path: basename(root), size: top.size, locator: root }];
      const files: RemoteFile[] = [];
      await walk(root, "", new Set([`${top.dev}:${top.ino}`]), files);
      return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async read(file, start, end, signal) {
      return createReadStream(file.locator, { start, end: end - 1, signal, highWaterMark: 1 << 20 });
    },
  };
}

/** `seen`: the folders on the way down (device:inode), so a link back up is not followed forever. */
async function walk(folder: string, prefix: string, seen: Set<string>, files: RemoteFile[]): Promise<void> {
  for (const name of await readdir(folder)) {
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined); // a dangling link is skipped
    if (info === undefined) continue;
    const relative = prefix === "" ? name : `${prefix}/${name}`;
    if (info.isFile()) {
      files.push({ path: relative, size: info.size, locator: path });
    } else if (info.isDirectory()) {
      const id = `${info.dev}:${info.ino}`;
      if (seen.has(id)) continue;
      await walk(path, relative, new Set([...seen, id]), files);
    }
  }
}
