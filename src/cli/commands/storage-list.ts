/**
 * `kitt storage list` and `kitt storage show ID`: what is stored. `kitt results list` lists the
 * same runs through the same store query, with a GPU filter and column instead of a status filter.
 */
import pc from "picocolors";
import { KittError } from "../../errors.js";
import { openStore } from "../../store/results-store.js";
import { parseSince } from "../../store/since.js";
import type { RunStatus } from "../../store/schema.js";
import { textTable } from "../../report/text-table.js";
import type { DB_JSON_OPTIONS, STORAGE_LIST_OPTIONS } from "../options/storage.js";
import type { OptionsInput } from "../options/table.js";

const statuses: readonly RunStatus[] = ["running", "completed", "failed", "interrupted"];

/** `kitt storage list`: stored runs, newest first (opening the store marks runs whose writer died as interrupted). */
export async function storageListCommand(options: OptionsInput<typeof STORAGE_LIST_OPTIONS> = {}): Promise<void> {
  if (options.status !== undefined && !statuses.includes(options.status as RunStatus)) {
    throw new KittError("USAGE", `--status must be one of ${statuses.join(", ")}`);
  }
  await using store = await openStore({ url: options.db });
  const runs = await store.listRuns({
    model: options.model,
    engine: options.engine,
    suite: options.suite,
    status: options.status as RunStatus | undefined,
    since: options.since === undefined ? undefined : parseSince(options.since),
    limit: options.limit,
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs stored in ${store.description}\n`);
    return;
  }
  const table = textTable({ head: ["id", "started", "model", "engine", "suite", "status"] });
  for (const run of runs) {
    const status = run.status === "completed" ? (run.passed ? pc.green("passed") : pc.yellow("completed")) : run.status === "failed" ? pc.red("failed") : pc.yellow(run.status);
    table.push([run.id.slice(0, 8), startedCell(run.started_at), run.model, run.engine, run.suite, status]);
  }
  process.stdout.write(`${table.toString()}\n`);
}

/** `kitt storage show ID`: one run with every test and its numeric metrics. */
export async function storageShowCommand(id: string, options: OptionsInput<typeof DB_JSON_OPTIONS> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const run = await store.getRun(await store.resolveId(id));
  if (!run) throw new KittError("NOT_FOUND", `no run ${id} in ${store.description}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    return;
  }
  const lines = [
    `${pc.bold(run.id)}  ${run.kind} · ${run.status}${run.stop_reason ? ` (${run.stop_reason})` : ""}`,
    `model ${run.model} · engine ${run.engine}${run.runtime ? ` (${run.runtime})` : ""} · suite ${run.suite}`,
    `started ${new Date(run.started_at).toISOString()}${run.finished_at === null ? "" : ` · finished ${new Date(run.finished_at).toISOString()}`}`,
  ];
  if (run.source) lines.push(`imported from ${run.source}`);
  if (run.results_dir) lines.push(`results folder ${run.results_dir}`);
  for (const test of run.benchmarks) {
    lines.push("", `${pc.bold(test.test_name)} run ${test.run_number}: ${test.passed ? "passed" : "failed"}${test.partial ? " (partial)" : ""}, ${test.duration_seconds.toFixed(1)} s`);
    for (const error of test.errors) lines.push(`  ${pc.red(error)}`);
    for (const [name, value] of Object.entries(test.metric_values)) lines.push(`  ${name.padEnd(40)} ${value}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** A listed run's start, to the minute: `2026-01-31 14:05`. */
export function startedCell(startedAt: number): string {
  return new Date(startedAt).toISOString().slice(0, 16).replace("T", " ");
}
