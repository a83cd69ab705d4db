/**
 * A run's results folder as a `.tar.gz`, streamed. The folder is the one the run was recorded
 * into, or the one it was imported from. Entries are paths relative to it under one top folder;
 * symlinks are left out, so nothing from outside the folder is ever packed.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { create } from "tar";
import { KittError } from "../errors.js";
import type { ResultsStore } from "./results-store.js";

export interface RunArchive {
  /** The top folder inside the archive, also the file's name without `.tar.gz`. */
  name: string;
  stream: ReadableStream<Uint8Array>;
}

/** NOT_FOUND for an unknown run, and for one whose results folder is not on this host. */
export async function runArchive(store: ResultsStore, idOrPrefix: string): Promise<RunArchive> {
  const id = await store.resolveId(idOrPrefix);
  const run = await store.getRun(id);
  if (!run) throw new KittError("NOT_FOUND", `no run ${id} in ${store.description}`);
  const folder = run.results_dir ?? run.source;
  const noFolder = `run ${id} has no results folder on this host`;
  if (folder === null) throw new KittError("NOT_FOUND", `${noFolder}; 'kitt storage export ${id.slice(0, 8)}' writes its stored files`);
  const dir = await realpath(folder).catch(() => undefined);
  if (dir === undefined || !(await stat(dir)).isDirectory()) {
    throw new KittError("NOT_FOUND", `${noFolder} (${folder} is not a folder here); 'kitt storage export ${id.slice(0, 8)}' writes its stored files`);
  }
  return packResultsFolder(dir, id);
}

/** The results folder `dir` of run `id` as a `.tar.gz` stream; NOT_FOUND when it is empty. */
export async function packResultsFolder(dir: string, id: string): Promise<RunArchive> {
  const names = (await readdir(dir)).sort();
  if (names.length === 0) throw new KittError("NOT_FOUND", `the results folder of run ${id} is empty`);
  const name = `kitt-run-${id.slice(0, 8)}`;
  const pack = create({ gzip: true, cwd: dir, portable: true, prefix: name, filter: (_path, entry) => !("isSymbolicLink" in entry && entry.isSymbolicLink()) }, names);
  return { name, stream: Readable.toWeb(Readable.from(pack)) as ReadableStream<Uint8Array> };
}
