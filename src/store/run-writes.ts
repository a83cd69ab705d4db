/**
 * Every write to the store. Each call is one transaction, so a crash leaves either all of a
 * test's rows or none of them.
 */
import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql, type Kysely } from "kysely";
import { KittError } from "../errors.js";
import { stableJson, type JsonValue } from "../json.js";
import type { StoreDialect } from "./connection.js";
import { contentHash, recordFiles, storedFiles } from "./content-hash.js";
import { flattenMetrics, splitSamples } from "./metric-names.js";
import type { RunEnd, RunMeta, RunRecord, StoredTest } from "./run-record.js";
import { packText } from "./samples-codec.js";
import type { RunStatus, StoreTables } from "./schema.js";
import { currentOwner } from "../runtime/process-owner.js";
import { ownerToken, writerState, type RunWriterRecord } from "./stale-runs.js";
import { writeTransaction, type StoreWriter } from "./write-transaction.js";

/**
 * What an import did: stored a new run; found the same files already stored; replaced a run of
 * the same id whose stored copy was incomplete (the writer lost its database or died); or left
 * alone a run of the same id that a live kitt is still writing.
 */
export type ImportOutcome = "imported" | "already stored" | "updated" | "still running";

/** How many metric rows go in one INSERT (4 parameters each; SQLite allows 32,766). */
const METRIC_BATCH = 2_000;
/** Any 64-bit number unique to kitt's imports: PostgreSQL imports take it one at a time. */
const IMPORT_LOCK_ID = 4_242_002;

export class RunWriter {
  constructor(
    private readonly db: Kysely<StoreTables>,
    private readonly dialect: StoreDialect,
  ) {}

  async beginRun(meta: RunMeta): Promise<string> {
    const id = meta.id ?? randomUUID();
    await writeTransaction(this.db, this.dialect, (tx) => insertRun(tx, id, meta));
    return id;
  }

  async recordTest(runId: string, test: StoredTest): Promise<string> {
    return writeTransaction(this.db, this.dialect, async (tx) => {
      await requireRun(tx, runId);
      return insertTest(tx, runId, test);
    });
  }

  /** Records how the run ended; its files are then complete, and their hash is kept for imports. */
  async finishRun(runId: string, end: RunEnd): Promise<void> {
    await writeTransaction(this.db, this.dialect, async (tx) => {
      await requireRun(tx, runId);
      await updateRunEnd(tx, runId, end);
      await tx.updateTable("runs").set({ content_hash: contentHash(await storedFiles(tx, runId)) }).where("id", "=", runId).execute();
    });
  }

  /**
   * A whole run in one transaction, once: the same files (by content hash) or a complete run of
   * the same id are found, not stored again.
   */
  async importRun(record: RunRecord): Promise<{ id: string; outcome: ImportOutcome }> {
    const hash = contentHash(recordFiles(record));
    return writeTransaction(this.db, this.dialect, async (tx) => {
      if (this.dialect === "postgres") await sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK_ID})`.execute(tx);
      const same = await tx.selectFrom("runs").select("id").where("content_hash", "=", hash).executeTakeFirst();
      if (same) return { id: same.id, outcome: "already stored" };
      const id = record.meta.id ?? randomUUID();
      const existing = await tx.selectFrom("runs").select(["status", "owner_host", "owner_pid", "owner_token"]).where("id", "=", id).executeTakeFirst();
      if (existing && beingWritten(existing)) return { id, outcome: "still running" };
      if (existing) await tx.deleteFrom("runs").where("id", "=", id).execute();
      await insertRun(tx, id, record.meta);
      for (const test of record.tests) await insertTest(tx, id, test);
      await updateRunEnd(tx, id, record.end);
      await tx.updateTable("runs").set({ content_hash: hash }).where("id", "=", id).execute();
      return { id, outcome: existing ? "updated" : "imported" };
    });
  }
}

/** A `running` run whose writer may be alive: unless it is provably gone, an import leaves it alone. */
function beingWritten(run: RunWriterRecord & { status: RunStatus }): boolean {
  return run.status === "running" && run.owner_pid !== null && writerState(run) !== "gone";
}

async function insertRun(tx: StoreWriter, id: string, meta: RunMeta): Promise<void> {
  const hardwareId = meta.hardware === undefined || meta.hardware === null ? null : await upsertHardware(tx, meta.hardware);
  await tx
    .insertInto("runs")
    .values({
      id,
      kind: meta.kind,
      model: meta.model,
      engine: meta.engine,
      engine_version: meta.engineVersion ?? null,
      image_digest: meta.imageDigest ?? null,
      suite: meta.suite,
      suite_version: meta.suiteVersion ?? null,
      runtime: meta.runtime ?? null,
      started_at: meta.startedAt ?? Date.now(),
      finished_at: null,
      status: "running",
      passed: 0,
      stop_reason: null,
      kitt_version: meta.kittVersion ?? null,
      config: JSON.stringify(meta.config ?? null),
      hardware_id: hardwareId,
      owner_host: meta.live ? hostname() : null,
      owner_pid: meta.live ? process.pid : null,
      owner_token: meta.live ? ownerToken(currentOwner()) : null,
      source: meta.source ?? null,
      results_dir: meta.resultsDir ?? null,
      content_hash: null,
    })
    .execute();
  await insertDocuments(tx, id, meta.documents);
}

async function insertTest(tx: StoreWriter, runId: string, test: StoredTest): Promise<string> {
  const id = randomUUID();
  const last = await tx.selectFrom("benchmarks").where("run_id", "=", runId).select((eb) => eb.fn.max("position").as("position")).executeTakeFirst();
  const position = last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1;
  const { rest, samples } = splitSamples(test.metrics);
  await tx
    .insertInto("benchmarks")
    .values({
      id,
      run_id: runId,
      position,
      test_name: test.test_name,
      test_version: test.test_version,
      category: test.category,
      run_number: test.run_number,
      passed: test.passed ? 1 : 0,
      partial: test.partial ? 1 : 0,
      errors: JSON.stringify(test.errors),
      warmup_times: JSON.stringify(test.warmup_times),
      started_at: test.timestamp ? Date.parse(test.timestamp) : null,
      duration_seconds: test.duration_seconds,
      metrics_doc: JSON.stringify(rest),
    })
    .execute();
  const rows = [...flattenMetrics(rest)].map(([name, value]) => ({ benchmark_id: id, run_id: runId, name, value }));
  for (let start = 0; start < rows.length; start += METRIC_BATCH) {
    await tx.insertInto("metrics").values(rows.slice(start, start + METRIC_BATCH)).execute();
  }
  const sampleRows = [];
  if (samples) sampleRows.push({ name: "metrics", format: "json", count: sampleCount(samples), text: JSON.stringify(samples) });
  for (const [name, text] of Object.entries(test.sampleFiles ?? {})) {
    sampleRows.push({ name, format: "jsonl", count: text.split("\n").filter((line) => line !== "").length, text });
  }
  for (const row of sampleRows) {
    await tx
      .insertInto("request_samples")
      .values({ benchmark_id: id, run_id: runId, name: row.name, format: row.format, count: row.count, data: packText(row.text) })
      .execute();
  }
  return id;
}

async function updateRunEnd(tx: StoreWriter, runId: string, end: RunEnd): Promise<void> {
  await tx
    .updateTable("runs")
    .set({ status: end.status, finished_at: end.finishedAt ?? Date.now(), passed: end.passed ? 1 : 0, stop_reason: end.stopReason ?? null })
    .where("id", "=", runId)
    .execute();
  await insertDocuments(tx, runId, end.documents);
}

async function insertDocuments(tx: StoreWriter, runId: string, documents: Record<string, string> | undefined): Promise<void> {
  const rows = Object.entries(documents ?? {}).map(([name, content]) => ({ run_id: runId, name, content }));
  if (rows.length === 0) return;
  await tx
    .insertInto("raw_documents")
    .values(rows)
    .onConflict((oc) => oc.columns(["run_id", "name"]).doUpdateSet((eb) => ({ content: eb.ref("excluded.content") })))
    .execute();
}

/** The same fingerprint is stored once, keyed by the hash of its canonical JSON. */
async function upsertHardware(tx: StoreWriter, hardware: unknown): Promise<string> {
  const fingerprint = stableJson(hardware);
  const id = createHash("sha256").update(fingerprint).digest("hex");
  await tx
    .insertInto("hardware")
    .values({ id, fingerprint, first_seen_at: Date.now() })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  return id;
}

async function requireRun(tx: StoreWriter, runId: string): Promise<void> {
  const run = await tx.selectFrom("runs").where("id", "=", runId).select("status").executeTakeFirst();
  if (!run) throw new KittError("NOT_FOUND", `run ${runId} is not in the database`);
}

function sampleCount(samples: Record<string, JsonValue>): number {
  return Math.max(0, ...Object.values(samples).map((value) => (Array.isArray(value) ? value.length : 0)));
}
