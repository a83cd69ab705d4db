/** Reading the store: listings, one run in full, totals and metric comparisons. */
import type { Kysely } from "kysely";
import type { JsonValue } from "../json.js";
import { joinSamples } from "./metric-names.js";
import { unpackText } from "./samples-codec.js";
import type { RunKind, RunStatus, StoreTables } from "./schema.js";

/** How many runs a listing shows unless asked for another number. */
export const DEFAULT_RUN_LIMIT = 50;

export interface RunFilters {
  model?: string;
  engine?: string;
  suite?: string;
  status?: RunStatus;
  kind?: RunKind;
  /** Runs started at or after this time (epoch ms). */
  since?: number;
  /** Runs started before this time (epoch ms). */
  until?: number;
  /** Runs listed after this one (started earlier, or at the same time with a greater id): the next page of a listing. */
  after?: RunPosition;
  /** `DEFAULT_RUN_LIMIT` by default. */
  limit?: number;
  offset?: number;
}

/** Where a run sits in a listing's order (newest first, then by id). */
export interface RunPosition {
  started_at: number;
  id: string;
}

export interface GpuRunFilters extends RunFilters {
  /** Substring of GPU 0's model, any case (`h100`, `RTX 4090`). */
  hardware?: string;
}

export interface RunSummary {
  id: string;
  kind: RunKind;
  model: string;
  engine: string;
  suite: string;
  runtime: string | null;
  status: RunStatus;
  passed: boolean;
  started_at: number;
  finished_at: number | null;
}

export interface ListedRun extends RunSummary {
  /** GPU 0's model, or null without a GPU (or a fingerprint). */
  gpu: string | null;
}

export interface StoredBenchmark {
  id: string;
  test_name: string;
  test_version: string;
  category: string;
  run_number: number;
  passed: boolean;
  partial: boolean;
  errors: string[];
  warmup_times: number[];
  started_at: number | null;
  duration_seconds: number;
  /** The full metrics JSON, samples included. */
  metrics: Record<string, JsonValue>;
  /** The numeric metrics by dotted name, as stored in `metrics`. */
  metric_values: Record<string, number>;
}

export interface StoredRun extends RunSummary {
  engine_version: string | null;
  image_digest: string | null;
  suite_version: string | null;
  kitt_version: string | null;
  stop_reason: string | null;
  config: unknown;
  hardware: unknown;
  source: string | null;
  results_dir: string | null;
  content_hash: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  owner_token: string | null;
  benchmarks: StoredBenchmark[];
  document_names: string[];
}

export interface StoreStats {
  runs: number;
  by_status: Record<string, number>;
  by_engine: Record<string, number>;
  benchmarks: number;
  metrics: number;
  request_sample_bytes: number;
  hardware: number;
  first_started_at: number | null;
  last_started_at: number | null;
}

/** Runs newest first. */
export async function listRuns(db: Kysely<StoreTables>, filters: RunFilters = {}): Promise<RunSummary[]> {
  const rows = await runsQuery(db, filters)
    .limit(filters.limit ?? DEFAULT_RUN_LIMIT)
    .offset(filters.offset ?? 0)
    .execute();
  return rows.map((row) => ({ ...row, passed: Number(row.passed) === 1 }));
}

/** Runs newest first with GPU 0's model; the GPU filter reads each run's fingerprint, so it applies before the limit. */
export async function listRunsWithGpu(db: Kysely<StoreTables>, filters: GpuRunFilters = {}): Promise<ListedRun[]> {
  const limit = filters.limit ?? DEFAULT_RUN_LIMIT;
  const offset = filters.offset ?? 0;
  let query = runsQuery(db, filters).select("runs.hardware_id");
  if (filters.hardware === undefined) query = query.limit(limit).offset(offset);
  const rows = await query.execute();
  const gpus = await gpuModels(db, rows.map((row) => row.hardware_id));
  const runs = rows.map((row): ListedRun => ({
    id: row.id, kind: row.kind, model: row.model, engine: row.engine, suite: row.suite, runtime: row.runtime, status: row.status,
    passed: Number(row.passed) === 1, started_at: row.started_at, finished_at: row.finished_at, gpu: row.hardware_id === null ? null : (gpus.get(row.hardware_id) ?? null),
  }));
  const wanted = filters.hardware?.toLowerCase();
  return wanted === undefined ? runs : runs.filter((run) => run.gpu?.toLowerCase().includes(wanted)).slice(offset, offset + limit);
}

/**
 * GPU 0's model per hardware id, each fingerprint read and parsed once per store: a hardware
 * row's id is the hash of its fingerprint, so what is remembered never goes stale.
 */
const knownGpus = new WeakMap<Kysely<StoreTables>, Map<string, string | null>>();
const KNOWN_GPUS_LIMIT = 10_000;

async function gpuModels(db: Kysely<StoreTables>, hardwareIds: Array<string | null>): Promise<Map<string, string | null>> {
  let known = knownGpus.get(db);
  if (known === undefined) knownGpus.set(db, (known = new Map()));
  if (known.size > KNOWN_GPUS_LIMIT) known.clear();
  const missing = [...new Set(hardwareIds)].filter((id): id is string => id !== null && !known.has(id));
  if (missing.length > 0) {
    for (let i = 0; i < missing.length; i += 500) {
      const rows = await db.selectFrom("hardware").select(["id", "fingerprint"]).where("id", "in", missing.slice(i, i + 500)).execute();
      for (const row of rows) known.set(row.id, gpuModel(row.fingerprint));
    }
  }
  return known;
}

function runsQuery(db: Kysely<StoreTables>, filters: RunFilters) {
  let query = db
    .selectFrom("runs")
    .select(["runs.id", "runs.kind", "runs.model", "runs.engine", "runs.suite", "runs.runtime", "runs.status", "runs.passed", "runs.started_at", "runs.finished_at"]);
  if (filters.model !== undefined) query = query.where("runs.model", "=", filters.model);
  if (filters.engine !== undefined) query = query.where("runs.engine", "=", filters.engine);
  if (filters.suite !== undefined) query = query.where("runs.suite", "=", filters.suite);
  if (filters.status !== undefined) query = query.where("runs.status", "=", filters.status);
  if (filters.kind !== undefined) query = query.where("runs.kind", "=", filters.kind);
  if (filters.since !== undefined) query = query.where("runs.started_at", ">=", filters.since);
  if (filters.until !== undefined) query = query.where("runs.started_at", "<", filters.until);
  const after = filters.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([eb("runs.started_at", "<", after.started_at), eb.and([eb("runs.started_at", "=", after.started_at), eb("runs.id", ">", after.id)])]),
    );
  }
  return query.orderBy("runs.started_at", "desc").orderBy("runs.id");
}

function gpuModel(fingerprint: string): string | null {
  const hardware = JSON.parse(fingerprint) as { gpu?: { model?: string }; gpus?: Array<{ name?: string }> };
  return hardware.gpu?.model ?? hardware.gpus?.[0]?.name ?? null;
}

export async function getRun(db: Kysely<StoreTables>, id: string): Promise<StoredRun | undefined> {
  const run = await db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!run) return undefined;
  const hardware = run.hardware_id
    ? await db.selectFrom("hardware").select("fingerprint").where("id", "=", run.hardware_id).executeTakeFirst()
    : undefined;
  const benchmarks = await db.selectFrom("benchmarks").selectAll().where("run_id", "=", id).orderBy("position").execute();
  const metrics = await db.selectFrom("metrics").select(["benchmark_id", "name", "value"]).where("run_id", "=", id).execute();
  const samples = await db.selectFrom("request_samples").select(["benchmark_id", "data"]).where("run_id", "=", id).where("name", "=", "metrics").execute();
  const documents = await db.selectFrom("raw_documents").select("name").where("run_id", "=", id).orderBy("name").execute();
  return {
    ...run,
    passed: run.passed === 1,
    config: JSON.parse(run.config) as unknown,
    hardware: hardware ? (JSON.parse(hardware.fingerprint) as unknown) : null,
    document_names: documents.map((doc) => doc.name),
    benchmarks: benchmarks.map((row) => {
      const sample = samples.find((s) => s.benchmark_id === row.id);
      const sampleJson = sample ? (JSON.parse(unpackText(sample.data)) as Record<string, JsonValue>) : null;
      const values: Record<string, number> = {};
      for (const metric of metrics) if (metric.benchmark_id === row.id) values[metric.name] = metric.value;
      return {
        id: row.id,
        test_name: row.test_name,
        test_version: row.test_version,
        category: row.category,
        run_number: row.run_number,
        passed: row.passed === 1,
        partial: row.partial === 1,
        errors: JSON.parse(row.errors) as string[],
        warmup_times: JSON.parse(row.warmup_times) as number[],
        started_at: row.started_at,
        duration_seconds: row.duration_seconds,
        metrics: joinSamples(JSON.parse(row.metrics_doc) as Record<string, JsonValue>, sampleJson),
        metric_values: values,
      };
    }),
  };
}

/** Metric values of several runs side by side: `{runId: {"throughput.avg_tps": 12.3}}`, keyed `test.metric`. */
export async function compareMetrics(db: Kysely<StoreTables>, runIds: readonly string[], names?: readonly string[]): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = Object.fromEntries(runIds.map((id) => [id, {}]));
  if (runIds.length === 0) return out;
  let query = db
    .selectFrom("metrics")
    .innerJoin("benchmarks", "benchmarks.id", "metrics.benchmark_id")
    .select(["metrics.run_id", "benchmarks.test_name", "benchmarks.run_number", "metrics.name", "metrics.value"])
    .where("metrics.run_id", "in", runIds);
  if (names && names.length > 0) query = query.where("metrics.name", "in", names);
  for (const row of await query.execute()) {
    const suffix = row.run_number > 1 ? `#${row.run_number}` : "";
    (out[row.run_id] ??= {})[`${row.test_name}${suffix}.${row.name}`] = row.value;
  }
  return out;
}

export async function storeStats(db: Kysely<StoreTables>): Promise<StoreStats> {
  const count = async (table: "runs" | "benchmarks" | "metrics" | "hardware") =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const grouped = async (column: "status" | "engine") => {
    const rows = await db.selectFrom("runs").select([column, (eb) => eb.fn.countAll().as("n")]).groupBy(column).execute();
    return Object.fromEntries(rows.map((row) => [String(row[column]), Number(row.n)]));
  };
  const span = await db
    .selectFrom("runs")
    .select((eb) => [eb.fn.min("started_at").as("first"), eb.fn.max("started_at").as("last")])
    .executeTakeFirstOrThrow();
  const bytes = await db
    .selectFrom("request_samples")
    .select((eb) => eb.fn.sum<number | string | null>(eb.fn("length", ["data"])).as("bytes"))
    .executeTakeFirstOrThrow();
  return {
    runs: await count("runs"),
    by_status: await grouped("status"),
    by_engine: await grouped("engine"),
    benchmarks: await count("benchmarks"),
    metrics: await count("metrics"),
    request_sample_bytes: Number(bytes.bytes ?? 0),
    hardware: await count("hardware"),
    first_started_at: span.first === null ? null : Number(span.first),
    last_started_at: span.last === null ? null : Number(span.last),
  };
}
