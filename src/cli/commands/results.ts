/**
 * `kitt results list` (stored runs, filtered by model, engine, suite, age and GPU model) and
 * `kitt results query` (one metric aggregated per engine, model or suite).
 */
import { KittError } from "../../errors.js";
import { formatMetric } from "../../report/metric-format.js";
import { aggregateMetric, AGGREGATES, GROUP_COLUMNS, type MetricQuery } from "../../store/metric-aggregate.js";
import { openStore } from "../../store/results-store.js";
import { parseSince } from "../../store/since.js";
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


export async function resultsListCommand(options: ResultsListOptions = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const runs = await store.listRunsWithGpu({ ...options, since: since(options), limit: options.limit });
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
  const groupBy = options.groupBy as MetricQuery["groupBy"];
  if (!GROUP_COLUMNS.includes(groupBy)) throw new KittError("USAGE", `--group-by must be one of ${GROUP_COLUMNS.join(", ")}`);
  const agg = (options.agg ?? "mean") as MetricQuery["agg"];
  if (!AGGREGATES.includes(agg)) throw new KittError("USAGE", `--agg must be one of ${AGGREGATES.join(", ")}`);
  const groups = await aggregateMetric(store, { ...options, groupBy, agg, since: since(options) });
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

function since(options: ResultsFilterOptions): number | undefined {
  return options.since === undefined ? undefined : parseSince(options.since);
}
