/**
 * Checkpoints of a quality run: every finished item's record, in
 * `~/.kitt/checkpoints/<task>_<hash>.jsonl`, where the hash covers everything that decides the
 * records (task, method, settings, the documents evaluated, model and engine). The file is a log:
 * a header line, then one line per record written the moment the item finishes, then a `complete`
 * line when the run ends with every item done. A process killed at any point (even `kill -9`)
 * loses only the items in flight, and appending costs the same at item 14,000 as at item 1. A run
 * with `resume` reads it back and evaluates only what is missing; a changed setting gives a new
 * hash, so records from a different run are never mixed in.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { kittHome } from "../../config/paths.js";
import { describeError, KittError } from "../../errors.js";
import { tempPathFor } from "../../fs/atomic-file.js";
import { stableJson } from "../../json.js";
import type { ItemRecord } from "./item-record.js";

export const CHECKPOINT_VERSION = 2;

export interface CheckpointIdentity {
  task: string;
  method: string;
  engine: string;
  model: string;
  settings: Record<string, unknown>;
  /** Which run of the test (1, 2, ... with `runs` > 1). */
  run: number;
  /** The keys of the documents evaluated, in order. */
  items: readonly string[];
}

export interface CheckpointFile {
  version: number;
  task: string;
  hash: string;
  identity: Omit<CheckpointIdentity, "items"> & { item_count: number };
  updated_at: string;
  complete: boolean;
  records: Record<string, ItemRecord>;
}

export function checkpointHash(identity: CheckpointIdentity): string {
  return createHash("sha256").update(stableJson(identity)).digest("hex").slice(0, 16);
}

export function checkpointPath(task: string, hash: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(kittHome(env), "checkpoints", `${task}_${hash}.jsonl`);
}

type Header = Omit<CheckpointFile, "records" | "complete">;
type Line = { header: Header } | { record: ItemRecord } | { complete: true; at: string };

/** The checkpoint at `path`, or undefined when there is none (or it belongs to another run). */
export async function readCheckpoint(path: string, hash: string): Promise<CheckpointFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new KittError("STORAGE_FAILED", `cannot read checkpoint ${path}: ${(error as Error).message}`, { cause: error });
  }
  // Every whole line ends with a newline, so the last piece is empty, or the torn line a
  // process killed mid-write left (that item is simply redone).
  const whole = text.split("\n").slice(0, -1);
  let file: CheckpointFile | undefined;
  for (const [index, raw] of whole.entries()) {
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch (error) {
      throw new KittError("STORAGE_FAILED", `checkpoint ${path} line ${index + 1} is not valid JSON; delete the file to start over`, { cause: error });
    }
    if ("header" in line) {
      if (index !== 0) break;
      if (line.header.version !== CHECKPOINT_VERSION || line.header.hash !== hash) return undefined;
      file = { ...line.header, complete: false, records: {} };
    } else if (file === undefined) {
      return undefined;
    } else if ("record" in line) {
      file.records[line.record.key] = line.record;
    } else if (line.complete === true) {
      file.complete = true;
      file.updated_at = line.at;
    }
  }
  return file;
}

/** Appends records to a checkpoint as items finish; synchronous writes, so each is on disk before the next item starts. */
export class CheckpointLog {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
  ) {}

  /** Writes the header and the records already in `file` (a resumed run's), replacing any older file. */
  static async create(path: string, file: CheckpointFile): Promise<CheckpointLog> {
    await mkdir(dirname(path), { recursive: true });
    const { records, complete: _complete, ...header } = file;
    const lines = [{ header }, ...Object.values(records).map((record) => ({ record }))].map((line) => `${JSON.stringify(line)}\n`);
    const temp = tempPathFor(path);
    try {
      await writeFile(temp, lines.join(""));
      await rename(temp, path);
    } catch (error) {
      throw new KittError("STORAGE_FAILED", `cannot write checkpoint ${path}: ${describeError(error)}`, { cause: error });
    }
    return new CheckpointLog(path, openSync(path, "a"));
  }

  append(record: ItemRecord): void {
    this.write({ record });
  }

  /** Marks the run complete (when it is) and closes the file; safe to call twice. */
  close(complete: boolean): void {
    if (this.fd === undefined) return;
    try {
      if (complete) this.write({ complete: true, at: new Date().toISOString() });
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private write(line: Line): void {
    if (this.fd === undefined) throw new KittError("INTERNAL", `checkpoint ${this.path} is closed`);
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }
}
