/**
 * Checkpoints of a quality run: every finished item's record, in
 * `~/.kitt/checkpoints/<task>_<hash>.json`, where the hash covers everything that decides the
 * records (task, method, settings, the documents evaluated, model and engine). A run with
 * `resume` reads it back and evaluates only what is missing; a changed setting gives a new hash,
 * so records from a different run are never mixed in.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { kittHome } from "../../config/paths.js";
import { KittError } from "../../errors.js";
import { writeJsonAtomically } from "../../fs/atomic-file.js";
import type { ItemRecord } from "./item-record.js";
import { stableJson } from "./stable-json.js";

export const CHECKPOINT_VERSION = 1;

export interface CheckpointIdentity {
  task: string;
  method: string;
  engine: string;
  model: string;
  settings: Record<string, unknown>;
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
  return join(kittHome(env), "checkpoints", `${task}_${hash}.json`);
}

/** The checkpoint at `path`, or undefined when there is none (or it belongs to another run). */
export async function readCheckpoint(path: string, hash: string): Promise<CheckpointFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new KittError("STORAGE_FAILED", `cannot read checkpoint ${path}: ${(error as Error).message}`, { cause: error });
  }
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch (error) {
    throw new KittError("STORAGE_FAILED", `checkpoint ${path} is not valid JSON; delete it to start over`, { cause: error });
  }
  if (file.version !== CHECKPOINT_VERSION || file.hash !== hash || typeof file.records !== "object") return undefined;
  return file;
}

export async function writeCheckpoint(path: string, file: CheckpointFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeJsonAtomically(path, file);
}
