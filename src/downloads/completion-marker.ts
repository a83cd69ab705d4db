/**
 * The record a finished download leaves in its destination (`.kitt-download.json`): which source
 * and which files filled it. A second download of the same files into it finds it complete.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { COMPLETION_MARKER } from "./safe-paths.js";
import type { RemoteFile } from "./source.js";

export interface CompletionRecord {
  source: string;
  files: Array<Pick<RemoteFile, "path" | "size" | "digest">>;
  completedAt: string;
}

export function completionRecord(source: string, files: readonly RemoteFile[]): CompletionRecord {
  return { source, files: files.map(({ path, size, digest }) => ({ path, size, ...(digest === undefined ? {} : { digest }) })), completedAt: new Date().toISOString() };
}

export async function readCompletion(dest: string): Promise<CompletionRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dest, COMPLETION_MARKER), "utf8")) as CompletionRecord;
  } catch {
    return undefined;
  }
}

export function sameDownload(record: CompletionRecord, source: string, files: readonly RemoteFile[]): boolean {
  const wanted = completionRecord(source, files);
  return record.source === source && JSON.stringify(record.files) === JSON.stringify(wanted.files);
}
