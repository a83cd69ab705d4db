/**
 * The `jobs` table: work queued through `kitt web` (a quick test today), claimed by one runner at
 * a time. A job moves queued → running → completed | failed | cancelled | interrupted; a queued
 * job may go straight to cancelled. `owner_token` names the process that claimed it (pid, boot id,
 * pid namespace, start time), so a restarted server marks its own dead jobs `interrupted` and
 * leaves another live server's alone — the owner identity runs use (`runtime/process-owner`).
 */
import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import { KittError } from "../errors.js";
import type { JsonValue } from "../json.js";
import { currentOwner, ownerState, type ProcessOwner } from "../runtime/process-owner.js";
import type { ResultsStore } from "./results-store.js";
import type { JobsTable, JobStatus } from "./schema.js";
import { writeTransaction, type StoreWriter } from "./write-transaction.js";

export type { JobStatus } from "./schema.js";

export const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "completed", "failed", "cancelled", "interrupted", "lost"];
/** The statuses a job never leaves. */
export const FINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(["completed", "failed", "cancelled", "interrupted", "lost"]);

/** A job as the API shows it: the row with its request parsed and the cancel flag a boolean. */
export type JobRecord = Omit<JobsTable, "request" | "cancel_requested" | "last_event_seq" | "results_sha256"> & {
  /** The request as it was accepted (model, engine, tests, runtime, options). */
  request: JsonValue;
  cancel_requested: boolean;
};

/** Where a page of jobs ends: the next page starts after it (newest first). */
export interface JobPosition {
  created_at: number;
  id: string;
}

let lastCreatedAt = 0;

/** Epoch ms, strictly increasing within this process: jobs queued in one millisecond still run in order. */
function nextCreatedAt(): number {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return lastCreatedAt;
}

/** `assignedTo`: the agent that runs it (none: this server's host). */
export async function createJob(store: ResultsStore, job: { kind: string; request: JsonValue; logPath?: (id: string) => string; assignedTo?: string }): Promise<JobRecord> {
  return writeTransaction(store.db, store.dialect, (tx) => insertJob(tx, job));
}

/** `createJob` inside a transaction someone else holds. */
export async function insertJob(tx: StoreWriter, job: { kind: string; request: JsonValue; logPath?: (id: string) => string; assignedTo?: string }): Promise<JobRecord> {
  const id = randomUUID();
  const row: Selectable<JobsTable> = {
    id,
    kind: job.kind,
    status: "queued",
    request: JSON.stringify(job.request),
    assigned_to: job.assignedTo ?? null,
    owner_token: null,
    cancel_requested: 0,
    run_id: null,
    log_path: job.logPath?.(id) ?? null,
    exit_code: null,
    error: null,
    created_at: nextCreatedAt(),
    started_at: null,
    finished_at: null,
    last_event_seq: 0,
    results_sha256: null,
  };
  await tx.insertInto("jobs").values(row).execute();
  return toJobRecord(row);
}

export async function getJob(store: ResultsStore, id: string): Promise<JobRecord | undefined> {
  const row = await store.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toJobRecord(row);
}

export interface ListJobsOptions {
  status?: readonly JobStatus[];
  /** Only the jobs of this agent. */
  assignedTo?: string;
  limit: number;
  after?: JobPosition;
}

/** Newest first; `after` continues a listing past a page's last job. */
export async function listJobs(store: ResultsStore, options: ListJobsOptions): Promise<JobRecord[]> {
  let query = store.db.selectFrom("jobs").selectAll();
  if (options.status !== undefined && options.status.length > 0) query = query.where("status", "in", options.status);
  if (options.assignedTo !== undefined) query = query.where("assigned_to", "=", options.assignedTo);
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) => eb.or([eb("created_at", "<", after.created_at), eb.and([eb("created_at", "=", after.created_at), eb("id", "<", after.id)])]));
  }
  const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
  return rows.map(toJobRecord);
}

/**
 * Takes the oldest queued job for this host (`assigned_to` null) and marks it running, owned by
 * this process; undefined when none waits. Safe against another server claiming at once: the
 * update only takes a job still queued.
 */
export async function claimNextJob(store: ResultsStore, owner: ProcessOwner | undefined = currentOwner()): Promise<JobRecord | undefined> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    for (;;) {
      const next = await tx
        .selectFrom("jobs")
        .select("id")
        .where("status", "=", "queued")
        .where("assigned_to", "is", null)
        .orderBy("created_at")
        .orderBy("id")
        .executeTakeFirst();
      if (!next) return undefined;
      const claimed = await tx
        .updateTable("jobs")
        .set({ status: "running", owner_token: jobOwnerToken(owner), started_at: Date.now() })
        .where("id", "=", next.id)
        .where("status", "=", "queued")
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        const row = await tx.selectFrom("jobs").selectAll().where("id", "=", next.id).executeTakeFirstOrThrow();
        return toJobRecord(row);
      }
    }
  });
}

/** The run a running job started, once its results folder exists. */
export async function setJobRunId(store: ResultsStore, id: string, runId: string): Promise<void> {
  await writeTransaction(store.db, store.dialect, (tx) => tx.updateTable("jobs").set({ run_id: runId }).where("id", "=", id).execute());
}

export interface JobEnd {
  status: Exclude<JobStatus, "queued" | "running">;
  exitCode?: number | null;
  error?: string | null;
  runId?: string | null;
}

/** Ends a running job; a job already ended keeps its first ending. Returns the job as it now is. */
export async function finishJob(store: ResultsStore, id: string, end: JobEnd): Promise<JobRecord | undefined> {
  await writeTransaction(store.db, store.dialect, async (tx) => {
    const set: Partial<Selectable<JobsTable>> = { status: end.status, exit_code: end.exitCode ?? null, error: end.error ?? null, finished_at: Date.now() };
    if (end.runId) set.run_id = end.runId;
    await tx.updateTable("jobs").set(set).where("id", "=", id).where("status", "=", "running").execute();
  });
  return getJob(store, id);
}

/**
 * Asks to cancel a job: a queued one is cancelled at once, a running one gets `cancel_requested`
 * for the runner holding it to act on; a finished one is left as it is. NOT_FOUND for no such job.
 */
export async function requestJobCancel(store: ResultsStore, id: string): Promise<JobRecord> {
  await writeTransaction(store.db, store.dialect, async (tx) => {
    await tx.updateTable("jobs").set({ status: "cancelled", cancel_requested: 1, finished_at: Date.now() }).where("id", "=", id).where("status", "=", "queued").execute();
    await tx.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", id).where("status", "=", "running").execute();
  });
  const job = await getJob(store, id);
  if (!job) throw new KittError("NOT_FOUND", `no job ${id}`);
  return job;
}

/**
 * Marks `running` jobs of this host whose owner process is provably gone as `interrupted`
 * (a server killed or crashed), keeping their run id; `runIdOf` may supply a run id the job
 * never got to record. Jobs of a live process, of another host or pid namespace, are left alone.
 * Returns the ids marked.
 */
export async function markStaleJobs(store: ResultsStore, runIdOf?: (job: JobRecord) => Promise<string | undefined>): Promise<string[]> {
  const rows = await store.db.selectFrom("jobs").selectAll().where("status", "=", "running").where("assigned_to", "is", null).execute();
  const stale = rows.map(toJobRecord).filter((job) => ownerState(parseJobOwnerToken(job.owner_token)) === "gone");
  for (const job of stale) {
    const runId = job.run_id ?? (await runIdOf?.(job).catch(() => undefined));
    await finishJob(store, job.id, { status: "interrupted", runId, error: "the kitt web server running this job stopped" });
  }
  return stale.map((job) => job.id);
}

/** `pid/bootId/pidNamespace/startTime`; null where /proc cannot say who this is. */
export function jobOwnerToken(owner: ProcessOwner | undefined): string | null {
  return owner ? `${owner.pid}/${owner.bootId}/${owner.pidNamespace}/${owner.startTime}` : null;
}

function parseJobOwnerToken(token: string | null): Partial<ProcessOwner> | undefined {
  const [pid, bootId, pidNamespace, startTime] = token?.split("/") ?? [];
  if (!pid || !bootId || !pidNamespace || !startTime || !/^\d+$/.test(pid)) return undefined;
  return { pid: Number(pid), bootId, pidNamespace, startTime };
}

export function toJobRecord({ last_event_seq: _seq, results_sha256: _sha, ...row }: Selectable<JobsTable>): JobRecord {
  return {
    ...row,
    request: JSON.parse(row.request) as JsonValue,
    cancel_requested: Number(row.cancel_requested) === 1,
    exit_code: row.exit_code === null ? null : Number(row.exit_code),
    created_at: Number(row.created_at),
    started_at: row.started_at === null ? null : Number(row.started_at),
    finished_at: row.finished_at === null ? null : Number(row.finished_at),
  };
}
