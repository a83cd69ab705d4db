/**
 * A stored run back as files. Documents stored as received (`metrics.json`, `serve.json`,
 * `config.json`, `hardware.json`, vLLM result files) come back byte for byte, and request
 * files (`requests.jsonl`) are unpacked as they were. A run recorded live that never reached
 * its end has no stored `metrics.json`; one is rebuilt from its rows.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { MetricsFile } from "../results/metrics-file.js";
import { KittError } from "../errors.js";
import { storedFiles } from "./content-hash.js";
import { getRun, type StoredRun } from "./run-queries.js";
import type { StoreTables } from "./schema.js";

export interface ExportedRun {
  /** File name → exact content. */
  files: Record<string, string>;
}

export async function exportRun(db: Kysely<StoreTables>, id: string): Promise<ExportedRun> {
  const run = await getRun(db, id);
  if (!run) throw new KittError("NOT_FOUND", `run ${id} is not in the database`);
  const files = await storedFiles(db, id);
  if (run.kind === "run" && files["metrics.json"] === undefined) files["metrics.json"] = jsonDocument(rebuildMetricsFile(run));
  return { files };
}

export async function exportRunToFolder(db: Kysely<StoreTables>, id: string, dir: string): Promise<string[]> {
  const { files } = await exportRun(db, id);
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return Object.keys(files);
}

/** JSON as kitt writes its result files: two-space indent and a final newline. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function rebuildMetricsFile(run: StoredRun): MetricsFile {
  const results = run.benchmarks.map((b) => ({
    test_name: b.test_name,
    test_version: b.test_version,
    category: b.category as MetricsFile["results"][number]["category"],
    run_number: b.run_number,
    passed: b.passed,
    partial: b.partial,
    metrics: b.metrics,
    errors: b.errors,
    warmup_times: b.warmup_times,
    timestamp: new Date(b.started_at ?? run.started_at).toISOString(),
    duration_seconds: b.duration_seconds,
  }));
  const passedCount = results.filter((r) => r.passed).length;
  return {
    kitt_version: run.kitt_version ?? "unknown",
    suite_name: run.suite,
    suite_version: run.suite_version ?? "",
    status: run.status,
    timestamp: new Date(run.started_at).toISOString(),
    finished_at: run.finished_at === null ? null : new Date(run.finished_at).toISOString(),
    engine: run.engine,
    model: run.model,
    passed: run.passed,
    total_benchmarks: results.length,
    planned_benchmarks: results.length,
    passed_count: passedCount,
    failed_count: results.length - passedCount,
    total_time_seconds: ((run.finished_at ?? Date.now()) - run.started_at) / 1000,
    system_info: {},
    stop_reason: run.stop_reason,
    results,
    not_run: [],
  };
}
