/**
 * What a report is made from: a run's files, from a results folder or from the database
 * (`exportRun`, the same files byte for byte), parsed once into the documents kitt knows.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { KittError } from "../../errors.js";
import { isObject, type JsonValue, parseJson } from "../../json.js";
import type { RequestRecord } from "../../serve/types.js";
import { openStore, type ResultsStore } from "../../store/results-store.js";
import { looksLikeServeResult } from "../../store/serve-record.js";
import type { MetricsFile } from "../../results/metrics-file.js";

export interface ReportDocuments {
  /** The run id or folder the files came from, for titles. */
  label: string;
  /** File name → content. */
  files: Record<string, string>;
}

export interface RequestFile {
  name: string;
  records: RequestRecord[];
}

export interface ParsedReport {
  label: string;
  /** `metrics.json` of a suite run. */
  metrics?: MetricsFile;
  /** `serve.json`, or a vLLM result file, of a serving run. */
  serve?: Record<string, JsonValue>;
  config?: Record<string, JsonValue>;
  hardware?: Record<string, JsonValue>;
  /** `requests.jsonl`, or `requests-N.jsonl` per sweep step in step order. */
  requests: RequestFile[];
}

/** A results folder (a path that exists) or a stored run (an id or unique id prefix). */
export async function loadReportDocuments(run: string, options: { db?: string } = {}): Promise<ReportDocuments> {
  if (await isDirectory(run)) return readFolder(resolve(run));
  await using store = await openStore({ url: options.db });
  // Awaited here, before `store` is closed.
  return await storedReportDocuments(store, run);
}

/** A stored run's files (an id or unique id prefix), never a path: what a server may offer. */
export async function storedReportDocuments(store: ResultsStore, run: string): Promise<ReportDocuments> {
  const id = await store.resolveId(run);
  return { label: id, files: (await store.exportRun(id)).files };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readFolder(dir: string): Promise<ReportDocuments> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".json") || name.endsWith(".jsonl")).sort();
  if (names.length === 0) throw new KittError("NOT_FOUND", `${dir} holds no kitt result files (metrics.json, serve.json, requests.jsonl)`);
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(join(dir, name), "utf8");
  return { label: basename(dir), files };
}

export function parseReport(docs: ReportDocuments): ParsedReport {
  const json = (name: string): unknown => (docs.files[name] === undefined ? undefined : parseJson(docs.files[name], name));
  const metrics = json("metrics.json");
  const config = json("config.json");
  const hardware = json("hardware.json");
  const report: ParsedReport = { label: docs.label, requests: requestFiles(docs.files) };
  if (isObject(metrics) && Array.isArray(metrics.results)) report.metrics = metrics as unknown as MetricsFile;
  const serve = serveDocument(docs.files);
  if (serve) report.serve = serve;
  if (isObject(config)) report.config = config;
  if (isObject(hardware)) report.hardware = hardware;
  if (!report.metrics && !report.serve) throw new KittError("NOT_FOUND", `${docs.label} has neither metrics.json nor a serving result`);
  return report;
}

function serveDocument(files: Record<string, string>): Record<string, JsonValue> | undefined {
  const names = Object.keys(files).filter((name) => name.endsWith(".json") && !["metrics.json", "config.json", "hardware.json"].includes(name));
  // serve.json first; an imported vLLM result file keeps its own name.
  names.sort((a, b) => Number(b === "serve.json") - Number(a === "serve.json"));
  for (const name of names) {
    const value = parseJson(files[name] as string, name);
    if (looksLikeServeResult(value)) return value;
  }
  return undefined;
}

function requestFiles(files: Record<string, string>): RequestFile[] {
  const step = (name: string) => Number(/-(\d+)\.jsonl$/.exec(name)?.[1] ?? 0);
  return Object.keys(files)
    .filter((name) => /^requests(-\d+)?\.jsonl$/.test(name))
    .sort((a, b) => step(a) - step(b))
    .map((name) => ({ name, records: parseJsonLines(files[name] as string, name) }));
}

function parseJsonLines(text: string, name: string): RequestRecord[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => parseJson(line, `${name} line ${index + 1}`) as RequestRecord);
}
