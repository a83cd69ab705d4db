/**
 * The results database: SQLite (`~/.kitt/kitt.db` by default) or PostgreSQL (`--db postgres://…`
 * or `KITT_DB_URL`) behind one kysely query layer and one set of migrations.
 *
 * @example
 * await using store = await openStore();
 * const runId = await store.beginRun({ kind: "run", model, engine, suite: "quick", config, live: true });
 * await store.recordTest(runId, result);
 * await store.finishRun(runId, { status: "completed", passed: true });
 */
import { sql, type Kysely } from "kysely";
import { KittError } from "../errors.js";
import { shutdownSignal } from "../runtime/lifecycle.js";
import { connect, type StoreDialect } from "./connection.js";
import { databaseTimeouts } from "./database-timeouts.js";
import { importPath, type ImportedRun } from "./import-path.js";
import { currentVersion, migrate, refuseNewer, type MigrationOutcome } from "./migrator.js";
import { exportRun, exportRunToFolder, type ExportedRun } from "./run-export.js";
import {
  compareMetrics,
  getRun,
  listRuns,
  listRunsWithGpu,
  storeStats,
  type GpuRunFilters,
  type ListedRun,
  type RunFilters,
  type RunSummary,
  type StoreStats,
  type StoredRun,
} from "./run-queries.js";
import type { RunEnd, RunMeta, StoredTest } from "./run-record.js";
import { RunWriter } from "./run-writes.js";
import type { StoreTables } from "./schema.js";
import { corruptDatabase } from "./sqlite-database.js";
import { markStaleRuns } from "./stale-runs.js";
import { describeStoreLocation, resolveStoreLocation, type StoreLocation } from "./store-url.js";
import { writeTransaction } from "./write-transaction.js";

export interface OpenStoreOptions {
  /** `postgres://…`, `sqlite:PATH` or a path; `KITT_DB_URL`, then `$KITT_HOME/kitt.db`, by default. */
  url?: string;
  /**
   * Apply pending migrations on open (default true), then mark runs whose writer died as
   * interrupted; when false, only refuse a newer schema.
   */
  migrate?: boolean;
  /** `KITT_DB_URL`, and the timeouts (`database-timeouts.ts`). */
  env?: NodeJS.ProcessEnv;
  /**
   * Closes every connection at once when it aborts, so whatever waits on the database fails
   * with its reason: kitt's shutdown signal by default, so Ctrl+C never waits on a silent server.
   */
  signal?: AbortSignal;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<ResultsStore> {
  const location = resolveStoreLocation(options.url, options.env);
  const description = describeStoreLocation(location);
  const db = connect(location, { description, timeouts: databaseTimeouts(options.env), signal: options.signal ?? shutdownSignal });
  const store = new ResultsStore(db, location);
  try {
    if (options.migrate ?? true) {
      await store.migrate();
      await store.markStaleRuns();
    } else {
      await store.checkSchema();
    }
  } catch (error) {
    await db.destroy();
    if (error instanceof KittError) throw error;
    throw new KittError("STORAGE_FAILED", `cannot use the database ${store.description}: ${(error as Error).message}`, { cause: error });
  }
  return store;
}

export class ResultsStore implements AsyncDisposable {
  readonly dialect: StoreDialect;
  /** Where the database is, without any password. */
  readonly description: string;
  private readonly writer: RunWriter;

  constructor(
    readonly db: Kysely<StoreTables>,
    readonly location: StoreLocation,
  ) {
    this.dialect = location.dialect;
    this.description = describeStoreLocation(location);
    this.writer = new RunWriter(db, this.dialect);
  }

  migrate(): Promise<MigrationOutcome> {
    return migrate(this.db, this.dialect);
  }

  /** The schema version in the database; throws when it is newer than this kitt or not migrated. */
  async checkSchema(): Promise<number> {
    const exists = await this.hasMigrationsTable();
    const version = exists ? await currentVersion(this.db) : 0;
    refuseNewer(version);
    return version;
  }

  beginRun(meta: RunMeta): Promise<string> {
    return this.writer.beginRun(meta);
  }

  /** Stores one test's result, all its rows in one transaction. */
  recordTest(runId: string, test: StoredTest): Promise<string> {
    return this.writer.recordTest(runId, test);
  }

  finishRun(runId: string, end: RunEnd): Promise<void> {
    return this.writer.finishRun(runId, end);
  }

  importPath(path: string): Promise<ImportedRun[]> {
    return importPath(this.writer, path);
  }

  exportRun(id: string): Promise<ExportedRun> {
    return exportRun(this.db, id);
  }

  exportRunToFolder(id: string, dir: string): Promise<string[]> {
    return exportRunToFolder(this.db, id, dir);
  }

  listRuns(filters?: RunFilters): Promise<RunSummary[]> {
    return listRuns(this.db, filters);
  }

  listRunsWithGpu(filters?: GpuRunFilters): Promise<ListedRun[]> {
    return listRunsWithGpu(this.db, filters);
  }

  getRun(id: string): Promise<StoredRun | undefined> {
    return getRun(this.db, id);
  }

  compareMetrics(runIds: readonly string[], names?: readonly string[]): Promise<Record<string, Record<string, number>>> {
    return compareMetrics(this.db, runIds, names);
  }

  stats(): Promise<StoreStats> {
    return storeStats(this.db);
  }

  /**
   * Reads every page of a SQLite file (`PRAGMA quick_check`): damage that the pages a command
   * happens to read would not show. Its cost grows with the file, so only the admin commands run it.
   */
  async checkIntegrity(): Promise<void> {
    if (this.location.dialect !== "sqlite") return;
    const result = await sql<{ quick_check: string }>`PRAGMA quick_check`.execute(this.db);
    const problems = result.rows.map((row) => row.quick_check).filter((line) => line !== "ok");
    if (problems.length > 0) throw corruptDatabase(this.location.path, new Error(problems.join("; ")));
  }

  /** Marks runs whose writing process died as `interrupted`, in the database and in their results folders; returns their ids. */
  markStaleRuns(): Promise<string[]> {
    return markStaleRuns(this.db, this.dialect);
  }

  /** Deletes a run and, by cascade, its benchmarks, metrics, samples and documents. */
  async deleteRun(id: string): Promise<boolean> {
    const result = await writeTransaction(this.db, this.dialect, (tx) => tx.deleteFrom("runs").where("id", "=", id).executeTakeFirst());
    return Number(result.numDeletedRows) > 0;
  }

  /** Resolves a unique id prefix (as `storage list` shows ids shortened) to the full id. */
  async resolveId(prefix: string): Promise<string> {
    const rows = await this.db.selectFrom("runs").select("id").where("id", "like", `${prefix.replace(/[%_\\]/g, "")}%`).limit(2).execute();
    if (rows.length === 0) throw new KittError("NOT_FOUND", `no run ${prefix} in ${this.description}`);
    if (rows.length > 1) throw new KittError("USAGE", `${prefix} matches several runs; give more of the id`);
    return rows[0]!.id;
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async hasMigrationsTable(): Promise<boolean> {
    const query =
      this.dialect === "postgres"
        ? sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`
        : sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`;
    const result = await query.execute(this.db);
    return Number(result.rows[0]?.n ?? 0) > 0;
  }
}
