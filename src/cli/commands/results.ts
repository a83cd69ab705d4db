/**
 * `kitt results list` (stored runs, filtered by model, engine, suite, age and GPU model) and
 * `kitt results query` (one metric aggregated per engine, model or suite).
 */
import { KittError } from "../../errors.js";
import { formatMetric } from "../../results/metric-format.js";
import { aggregateMetric, type MetricQuery } from "../../store/metric-aggregate.js";
import { openStore } from "../../store/results-store.js";
import { parseSince } from "../../store/since.js";
import { textTable } from "../../report/text-table.js";
import { RESULTS_QUERY_OPTIONS, type RESULTS_LIST_OPTIONS } from "../options/results.js";
import type { OptionsInput } from "../options/table.js";
import { startedCell } from "./storage-list.js";

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
  const groupBy = options.groupBy as MetricQuery["groupBy"];
  if (!GROUP_COLUMNS.includes(groupBy)) throw new KittError("USAGE", `--group-by must be one of ${GROUP_COLUMNS.join(", ")}`);
  const agg = options.agg as MetricQuery["agg"];
  if (!AGGREGATES.includes(agg)) throw new KittError("USAGE", `--agg must be one of ${AGGREGATES.join(", ")}`);
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const groups = await aggregateMetric(store, { ...options, groupBy, agg, since });
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
