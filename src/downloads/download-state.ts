/**
 * What a download has on disk, kept in its staging folder so a re-run (after Ctrl+C, a crash or
 * SIGKILL) takes up each part where it stopped: per file, the part size used and the bytes
 * written into each part. It is saved at most every `SAVE_EVERY_MS` and never claims a byte that
 * was not written; a verified file is marked so it is not read again.
 */
import { readFile, writeFile } from "node:fs/promises";
import { replaceAtomically } from "../fs/atomic-file.js";
import type { RemoteFile } from "./source.js";

export interface FileState {
  size: number;
  /** The listed digest (JSON), so a file changed at the source starts over. */
  digest: string;
  partSize: number;
  /** Bytes written so far into each part, in order. */
  written: number[];
  verified: boolean;
}

export interface TreeState {
  source: string;
  files: Record<string, FileState>;
}

const SAVE_EVERY_MS = 250;

export function digestKey(file: RemoteFile): string {
  return JSON.stringify(file.digest ?? null);
}

export async function loadState(path: string, source: string): Promise<TreeState> {
  try {
    const state = JSON.parse(await readFile(path, "utf8")) as TreeState;
    if (state.source === source && typeof state.files === "object") return state;
  } catch {
    // none yet, or unreadable: start over
  }
  return { source, files: {} };
}

/** The state for `file`, fresh unless what is kept was for the same size and digest. */
export function fileState(state: TreeState, file: RemoteFile, partSize: number): FileState {
  const kept = state.files[file.path];
  if (kept && kept.size === file.size && kept.digest === digestKey(file)) return kept;
  const parts = Math.ceil(file.size / partSize);
  const fresh: FileState = { size: file.size, digest: digestKey(file), partSize, written: new Array<number>(parts).fill(0), verified: false };
  state.files[file.path] = fresh;
  return fresh;
}

export function bytesWritten(file: FileState): number {
  return file.written.reduce((sum, bytes) => sum + bytes, 0);
}

/** Saves the state when asked, at most every `SAVE_EVERY_MS`, one write at a time. */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly state: TreeState,
  ) {}

  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, SAVE_EVERY_MS);
  }

  /** Saves now (after any write in progress). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
  }

  private save(): Promise<void> {
    // Counts only grow once their bytes are written, so whenever it is taken the snapshot is safe.
    // A state that could not be saved costs only bytes fetched again by a later run. No fsync: it
    // would flush the downloading files' pages with it, four times a second; after a power cut the
    // verification catches any byte the state claims but the disk lost.
    const text = JSON.stringify(this.state);
    this.writing = this.writing.then(() => replaceAtomically(this.path, (temp) => writeFile(temp, text))).catch(() => undefined);
    return this.writing;
  }
}
