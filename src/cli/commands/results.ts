/**
 * `kitt results list` (stored runs, filtered by model, engine, suite, age and GPU model) and
 * `kitt results query` (one metric aggregated per engine, model or suite).
 */
import { KittError } from "../../errors.js";
import { formatMetric } from "../../results/metric-format.js";
import { openStore, type ResultsStore } from "../../store/results-store.js";
import { textTable } from "../../report/text-table.js";
import { RESULTS_QUERY_OPTIONS, type RESULTS_LIST_OPTIONS } from "../options/results.js";
import type { OptionsInput } from "../options/table.js";
import { parseSince, startedCell } from "./storage-list.js";

export interface MetricGroup {
  group: string;
  value: number;
  /** How many stored values were aggregated. */
  count: number;
}

/** Called directly as well, so `groupBy` and `agg` are checked here too, not only by commander's choices. */
export type ResultsQueryOptions = Omit<OptionsInput<typeof RESULTS_QUERY_OPTIONS>, "groupBy" | "agg"> & { groupBy: string; agg?: string };

const GROUP_COLUMNS = RESULTS_QUERY_OPTIONS.groupBy.choices;
const AGGREGATES = RESULTS_QUERY_OPTIONS.agg.choices;

export async function resultsListCommand(options: OptionsInput<typeof RESULTS_LIST_OPTIONS> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const runs = await store.listRunsWithGpu({
    model: options.model,
    engine: options.engine,
    suite: options.suite,
    since: options.since === undefined ? undefined : parseSince(options.since),
    hardware: options.hardware,
    limit: options.limit,
  });
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
    table.push([run.id.slice(0, 8), startedCell(run.started_at), run.model, run.engine, run.suite, run.status, run.gpu ?? "—"]);
  }
  process.stdout.write(`${table.toString()}\n`);
}

export async function resultsQueryCommand(input: ResultsQueryOptions): Promise<void> {
  const options = { ...input, agg: input.agg ?? RESULTS_QUERY_OPTIONS.agg.default };
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
  const table = textTable({ head: [options.groupBy, `${options.agg} ${options.metric}`, "values"] });
  for (const group of groups) table.push([group.group, formatMetric(group.value), group.count]);
  process.stdout.write(`${table.toString()}\n`);
}

export async function aggregateMetric(store: ResultsStore, options: ResultsQueryOptions): Promise<MetricGroup[]> {
  const column = options.groupBy as (typeof GROUP_COLUMNS)[number];
  if (!GROUP_COLUMNS.includes(column)) throw new KittError("USAGE", `--group-by must be one of ${GROUP_COLUMNS.join(", ")}`);
  const agg = (options.agg ?? RESULTS_QUERY_OPTIONS.agg.default) as (typeof AGGREGATES)[number];
  if (!AGGREGATES.includes(agg)) throw new KittError("USAGE", `--agg must be one of ${AGGREGATES.join(", ")}`);
  const runIds =
    options.hardware === undefined
      ? undefined
      : (
          await store.listRunsWithGpu({
            model: options.model,
            engine: options.engine,
            suite: options.suite,
            since: options.since === undefined ? undefined : parseSince(options.since),
            hardware: options.hardware,
            limit: Number.MAX_SAFE_INTEGER,
          })
        ).map((run) => run.id);
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
