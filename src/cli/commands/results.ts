/**
 * `kitt results list` (stored runs, filtered by model, engine, suite, age and GPU model) and
 * `kitt results query` (one metric aggregated per engine, model or suite).
 */
import { KittError } from "../../errors.js";
import { formatMetric } from "../../results/metric-format.js";
import { openStore, type ResultsStore } from "../../store/results-store.js";
import type { RunSummary } from "../../store/run-queries.js";
import { parseSince } from "./storage-list.js";
import { textTable } from "../../report/text-table.js";

export interface ResultsFilterOptions {
  model?: string;
  engine?: string;
  suite?: string;
  /** A date (`2026-01-31`) or an age (`7d`). */
  since?: string;
  /** Substring of the GPU model, any case (`h100`, `RTX 4090`). */
  hardware?: string;
  db?: string;
}

export interface ResultsListOptions extends ResultsFilterOptions {
  limit?: number;
  json?: boolean;
}

export interface ResultsQueryOptions extends ResultsFilterOptions {
  groupBy: string;
  metric: string;
  /** Only this test's metric (`serve`, `throughput`); every test's by default. */
  test?: string;
  agg?: string;
  json?: boolean;
}

export interface ListedRun extends RunSummary {
  /** GPU 0's model, or null without a GPU (or a fingerprint). */
  gpu: string | null;
}

export interface MetricGroup {
  group: string;
  value: number;
  /** How many stored values were aggregated. */
  count: number;
}

const GROUP_COLUMNS = ["engine", "model", "suite"] as const;
const AGGREGATES = ["mean", "max", "min"] as const;

export async function resultsListCommand(options: ResultsListOptions = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const runs = await findRuns(store, options, options.limit ?? 50);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no matching runs in ${store.description}\n`);
    return;
  }
  const table = textTable({ head: ["id", "started", "model", "engine", "suite", "status", "gpu"] });
  for (const run of runs) {
    table.push([run.id.slice(0, 8), new Date(run.started_at).toISOString().slice(0, 16).replace("T", " "), run.model, run.engine, run.suite, run.status, run.gpu ?? "—"]);
  }
  process.stdout.write(`${table.toString()}\n`);
}

export async function resultsQueryCommand(options: ResultsQueryOptions): Promise<void> {
  await using store = await openStore({ url: options.db });
  const groups = await aggregateMetric(store, options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(groups, null, 2)}\n`);
    return;
  }
  if (groups.length === 0) {
    process.stdout.write(`no stored values of ${options.metric} match\n`);
    return;
  }
  const table = textTable({ head: [options.groupBy, `${options.agg ?? "mean"} ${options.metric}`, "values"] });
  for (const group of groups) table.push([group.group, formatMetric(group.value), group.count]);
  process.stdout.write(`${table.toString()}\n`);
}

/** Runs newest first; the GPU filter reads each run's fingerprint, so it applies before the limit. */
export async function findRuns(store: ResultsStore, filters: ResultsFilterOptions, limit: number): Promise<ListedRun[]> {
  let query = store.db
    .selectFrom("runs")
    .leftJoin("hardware", "hardware.id", "runs.hardware_id")
    .select(["runs.id", "kind", "model", "engine", "suite", "runtime", "status", "passed", "started_at", "finished_at", "hardware.fingerprint"]);
  if (filters.model !== undefined) query = query.where("model", "=", filters.model);
  if (filters.engine !== undefined) query = query.where("engine", "=", filters.engine);
  if (filters.suite !== undefined) query = query.where("suite", "=", filters.suite);
  if (filters.since !== undefined) query = query.where("started_at", ">=", parseSince(filters.since));
  query = query.orderBy("started_at", "desc").orderBy("runs.id");
  if (filters.hardware === undefined) query = query.limit(limit);
  const runs = (await query.execute()).map(({ fingerprint, ...run }) => ({ ...run, passed: Number(run.passed) === 1, gpu: gpuModel(fingerprint) }));
  const wanted = filters.hardware?.toLowerCase();
  return wanted === undefined ? runs : runs.filter((run) => run.gpu?.toLowerCase().includes(wanted)).slice(0, limit);
}

export async function aggregateMetric(store: ResultsStore, options: ResultsQueryOptions): Promise<MetricGroup[]> {
  const column = options.groupBy as (typeof GROUP_COLUMNS)[number];
  if (!GROUP_COLUMNS.includes(column)) throw new KittError("USAGE", `--group-by must be one of ${GROUP_COLUMNS.join(", ")}`);
  const agg = (options.agg ?? "mean") as (typeof AGGREGATES)[number];
  if (!AGGREGATES.includes(agg)) throw new KittError("USAGE", `--agg must be one of ${AGGREGATES.join(", ")}`);
  const runIds = options.hardware === undefined ? undefined : (await findRuns(store, options, Number.MAX_SAFE_INTEGER)).map((run) => run.id);
  if (runIds?.length === 0) return [];
  let query = store.db
    .selectFrom("metrics")
    .innerJoin("runs", "runs.id", "metrics.run_id")
    .innerJoin("benchmarks", "benchmarks.id", "metrics.benchmark_id")
    .select((eb) => [
      `runs.${column}`,
      (agg === "mean" ? eb.fn.avg("metrics.value") : eb.fn[agg]("metrics.value")).as("value"),
      eb.fn.countAll().as("count"),
    ])
    .where("metrics.name", "=", options.metric)
    .groupBy(`runs.${column}`);
  if (options.test !== undefined) query = query.where("benchmarks.test_name", "=", options.test);
  if (options.model !== undefined) query = query.where("runs.model", "=", options.model);
  if (options.engine !== undefined) query = query.where("runs.engine", "=", options.engine);
  if (options.suite !== undefined) query = query.where("runs.suite", "=", options.suite);
  if (options.since !== undefined) query = query.where("runs.started_at", ">=", parseSince(options.since));
  if (runIds !== undefined) query = query.where("runs.id", "in", runIds);
  const rows = await query.execute();
  // PostgreSQL returns numeric aggregates as strings.
  return rows
    .map((row) => ({ group: String(row[column]), value: Number(row.value), count: Number(row.count) }))
    .sort((a, b) => b.value - a.value);
}

function gpuModel(fingerprint: string | null): string | null {
  if (fingerprint === null) return null;
  const hardware = JSON.parse(fingerprint) as { gpu?: { model?: string }; gpus?: Array<{ name?: string }> };
  return hardware.gpu?.model ?? hardware.gpus?.[0]?.name ?? null;
}
