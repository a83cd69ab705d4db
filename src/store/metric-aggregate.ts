/** One stored metric aggregated per engine, model or suite: `kitt results query` and the web API's `query`. */
import type { ResultsStore } from "./results-store.js";

export const GROUP_COLUMNS = ["engine", "model", "suite"] as const;
export const AGGREGATES = ["mean", "max", "min"] as const;

export interface MetricQuery {
  groupBy: (typeof GROUP_COLUMNS)[number];
  metric: string;
  agg: (typeof AGGREGATES)[number];
  /** Only this test's metric (`serve`, `throughput`); every test's by default. */
  test?: string;
  model?: string;
  engine?: string;
  suite?: string;
  /** Runs started at or after this time (epoch ms). */
  since?: number;
  /** Substring of GPU 0's model, any case. */
  hardware?: string;
}

export interface MetricGroup {
  group: string;
  value: number;
  /** How many stored values were aggregated. */
  count: number;
}

/** Groups, highest value first. */
export async function aggregateMetric(store: ResultsStore, options: MetricQuery): Promise<MetricGroup[]> {
  const column = options.groupBy;
  const runIds =
    options.hardware === undefined
      ? undefined
      : (
          await store.listRunsWithGpu({
            model: options.model,
            engine: options.engine,
            suite: options.suite,
            since: options.since,
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
      (options.agg === "mean" ? eb.fn.avg("metrics.value") : eb.fn[options.agg]("metrics.value")).as("value"),
      eb.fn.countAll().as("count"),
    ])
    .where("metrics.name", "=", options.metric)
    .groupBy(`runs.${column}`);
  if (options.test !== undefined) query = query.where("benchmarks.test_name", "=", options.test);
  if (options.model !== undefined) query = query.where("runs.model", "=", options.model);
  if (options.engine !== undefined) query = query.where("runs.engine", "=", options.engine);
  if (options.suite !== undefined) query = query.where("runs.suite", "=", options.suite);
  if (options.since !== undefined) query = query.where("runs.started_at", ">=", options.since);
  if (runIds !== undefined) query = query.where("runs.id", "in", runIds);
  const rows = await query.execute();
  // PostgreSQL returns numeric aggregates as strings.
  return rows
    .map((row) => ({ group: String(row[column]), value: Number(row.value), count: Number(row.count) }))
    .sort((a, b) => b.value - a.value);
}
