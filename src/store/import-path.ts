/**
 * What `kitt storage import PATH` reads. PATH is a results folder (`folder-record.ts`), a vLLM
 * result JSON file, or a folder holding any of these at any depth. Importing is idempotent:
 * a run already stored is reported, not stored twice (`RunWriter.importRun`).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { KittError } from "../errors.js";
import { parseJson } from "../json.js";
import { folderRecord } from "./folder-record.js";
import type { RunRecord } from "./run-record.js";
import type { ImportOutcome, RunWriter } from "./run-writes.js";
import { looksLikeServeResult, serveRecord } from "./serve-record.js";

export interface ImportedRun {
  id: string;
  source: string;
  outcome: ImportOutcome;
}

export async function importPath(writer: RunWriter, path: string): Promise<ImportedRun[]> {
  const full = resolve(path);
  const info = await stat(full).catch((error: unknown) => {
    throw new KittError("NOT_FOUND", `${full} does not exist`, { cause: error });
  });
  const imported = info.isDirectory() ? await importDirectory(writer, full) : await importFile(writer, full);
  if (imported.length === 0) throw new KittError("NOT_FOUND", `no kitt results folder or vLLM result file in ${full}`);
  return imported;
}

async function importDirectory(writer: RunWriter, dir: string): Promise<ImportedRun[]> {
  const record = await folderRecord(dir);
  if (record) return [await save(writer, record, dir)];
  const imported: ImportedRun[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const child = join(dir, entry.name);
    if (entry.isDirectory()) imported.push(...(await importDirectory(writer, child)));
    else if (entry.isFile() && entry.name.endsWith(".json") && (await isServeResult(child))) imported.push(...(await importFile(writer, child)));
  }
  return imported;
}

async function importFile(writer: RunWriter, file: string): Promise<ImportedRun[]> {
  const name = basename(file);
  if (name === "metrics.json" || name === "serve.json") return importDirectory(writer, dirname(file));
  const record = serveRecord({ resultText: await readFile(file, "utf8"), name, source: file });
  return [await save(writer, record, file)];
}

async function save(writer: RunWriter, record: RunRecord, source: string): Promise<ImportedRun> {
  return { ...(await writer.importRun(record)), source };
}

async function isServeResult(file: string): Promise<boolean> {
  try {
    return looksLikeServeResult(parseJson(await readFile(file, "utf8"), file));
  } catch {
    return false;
  }
}
