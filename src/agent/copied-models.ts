/**
 * Which models in the model directory the agent copied from the share: one marker per copy in
 * `.kitt-copies/` listing each file with its size, SHA-256, inode and modification time. Cleanup
 * deletes a file only while it still is the one copied (same inode, modification time and size),
 * so a model a person put in the directory, or replaced a copy with, is never deleted.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, readFile, readdir, realpath, rm, rmdir, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeJsonAtomically } from "../fs/atomic-file.js";
import { isObject } from "../json.js";
import { isInside } from "../models/model-paths.js";
import type { CopiedFile } from "./model-copy.js";

export const COPIES_DIR = ".kitt-copies";

export interface CopyMarker {
  /** The model's path relative to the model directory. */
  model: string;
  /** Where it was copied from. */
  source: string;
  copied_at: string;
  files: (CopiedFile & { ino: string; mtime_ns: string })[];
  /** Folders the copy created, relative to the model directory, deepest first. */
  folders: string[];
}

export function markerPath(root: string, model: string): string {
  return join(root, COPIES_DIR, `${createHash("sha256").update(model).digest("hex").slice(0, 32)}.json`);
}

export function lockPath(root: string, model: string): string {
  return markerPath(root, model).replace(/\.json$/, ".lock");
}

export async function ensureCopiesDir(root: string): Promise<void> {
  await mkdir(join(root, COPIES_DIR), { recursive: true, mode: 0o700 });
}

export async function writeMarker(root: string, marker: CopyMarker): Promise<void> {
  await ensureCopiesDir(root);
  await writeJsonAtomically(markerPath(root, marker.model), marker);
}

export async function readMarker(root: string, model: string): Promise<CopyMarker | undefined> {
  return parseMarker(await readFile(markerPath(root, model), "utf8").catch(() => undefined), model);
}

export async function listMarkers(root: string): Promise<CopyMarker[]> {
  const names = await readdir(join(root, COPIES_DIR)).catch(() => []);
  const markers = await Promise.all(
    names.filter((name) => name.endsWith(".json")).map(async (name) => parseMarker(await readFile(join(root, COPIES_DIR, name), "utf8").catch(() => undefined))),
  );
  return markers.filter((marker): marker is CopyMarker => marker !== undefined);
}

function parseMarker(text: string | undefined, model?: string): CopyMarker | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.model !== "string" || !Array.isArray(value.files) || !Array.isArray(value.folders)) return undefined;
  if (model !== undefined && value.model !== model) return undefined;
  return value as unknown as CopyMarker;
}

export interface RemovedCopy {
  model: string;
  bytes: number;
  /** Files left in place because they are no longer the ones copied. */
  kept: string[];
}

/** Deletes what `marker` lists and still is the copy, the folders the copy made once empty, then the marker. */
export async function removeCopy(root: string, marker: CopyMarker): Promise<RemovedCopy> {
  const modelPath = join(root, ...marker.model.split("/"));
  let bytes = 0;
  const kept: string[] = [];
  for (const file of marker.files) {
    const path = file.path === "" ? modelPath : join(modelPath, ...file.path.split("/"));
    const shown = file.path === "" ? marker.model : `${marker.model}/${file.path}`;
    const info = await lstat(path, { bigint: true }).catch(() => undefined);
    if (info === undefined) continue;
    const parent = await realpath(dirname(path)).catch(() => undefined);
    if (parent === undefined || !isInside(root, parent) || !info.isFile() || info.ino.toString() !== file.ino || info.mtimeNs.toString() !== file.mtime_ns || Number(info.size) !== file.size) {
      kept.push(shown);
      continue;
    }
    await unlink(path);
    bytes += file.size;
  }
  for (const folder of marker.folders) {
    const path = join(root, ...folder.split("/"));
    const info = await lstat(path).catch(() => undefined);
    if (info?.isDirectory()) await rmdir(path).catch(() => undefined);
  }
  await rm(markerPath(root, marker.model), { force: true });
  return { model: marker.model, bytes, kept };
}
