/**
 * What `kitt storage import PATH` reads. PATH is a results folder (`metrics.json` with any
 * per-item `*.items.jsonl`, or
 * `serve.json` with its `requests*.jsonl`, each with `config.json`/`hardware.json` when
 * present), a vLLM result JSON file, or a folder holding any of these at any depth.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { KittError } from "../errors.js";
import { ITEMS_FILE_PATTERN } from "../report/items-file.js";
import { metricsRecord } from "./metrics-record.js";
import type { RunWriter } from "./run-writes.js";
import { looksLikeServeResult, parseJson, serveRecord } from "./serve-record.js";

export interface ImportedRun {
  id: string;
  source: string;
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
  const entries = await readdir(dir, { withFileTypes: true });
  const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  const config = names.has("config.json") ? await readFile(join(dir, "config.json"), "utf8") : undefined;
  const hardware = names.has("hardware.json") ? await readFile(join(dir, "hardware.json"), "utf8") : undefined;
  if (names.has("metrics.json")) {
    const itemFiles: Record<string, string> = {};
    for (const name of [...names].filter((n) => ITEMS_FILE_PATTERN.test(n)).sort()) itemFiles[name] = await readFile(join(dir, name), "utf8");
    const record = metricsRecord({ metricsText: await readFile(join(dir, "metrics.json"), "utf8"), configText: config, hardwareText: hardware, itemFiles, source: dir });
    return [{ id: await writer.saveRun(record.meta, record.tests, record.end), source: dir }];
  }
  if (names.has("serve.json")) {
    const requestFiles: Record<string, string> = {};
    for (const name of [...names].filter((n) => /^requests(-\d+)?\.jsonl$/.test(n)).sort()) requestFiles[name] = await readFile(join(dir, name), "utf8");
    const record = serveRecord({ resultText: await readFile(join(dir, "serve.json"), "utf8"), name: "serve.json", configText: config, hardwareText: hardware, requestFiles, source: dir });
    return [{ id: await writer.saveRun(record.meta, [record.test], record.end), source: dir }];
  }
  const imported: ImportedRun[] = [];
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
  const text = await readFile(file, "utf8");
  const record = serveRecord({ resultText: text, name, source: file });
  return [{ id: await writer.saveRun(record.meta, [record.test], record.end), source: file }];
}

async function isServeResult(file: string): Promise<boolean> {
  try {
    return looksLikeServeResult(parseJson(await readFile(file, "utf8"), file));
  } catch {
    return false;
  }
}
