/**
 * Jobs run by agents: queued with a `run_test` command for the agent, started when the agent
 * says it runs them, fed with its numbered events (each taken once), ended by it, and their
 * results upload claimed once per job. Every function takes the agent's id and acts only on
 * that agent's jobs.
 */
import type { JsonValue } from "../json.js";
import { queueCommand } from "./agent-commands.js";
import { insertJob, toJobRecord, type JobEnd, type JobRecord } from "./jobs.js";
import type { ResultsStore } from "./results-store.js";
import { writeTransaction, type StoreWriter } from "./write-transaction.js";

/** Queues a job on an agent and the `run_test` command that hands it over. */
export async function createAgentJob(store: ResultsStore, job: { agentId: string; kind: string; request: JsonValue; logPath: (id: string) => string }): Promise<JobRecord> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const created = await insertJob(tx, { kind: job.kind, request: job.request, logPath: job.logPath, assignedTo: job.agentId });
    await queueCommand(tx, { agentId: job.agentId, type: "run_test", payload: { job_id: created.id, request: job.request }, jobId: created.id });
    return created;
  });
}

/** The agent's own job; undefined for another agent's or none. */
export async function agentJob(store: ResultsStore, agentId: string, jobId: string): Promise<JobRecord | undefined> {
  const row = await store.db.selectFrom("jobs").selectAll().where("id", "=", jobId).where("assigned_to", "=", agentId).executeTakeFirst();
  return row && toJobRecord(row);
}

/** queued → running, for the agent's own job; true when it was queued. */
export async function startAgentJob(tx: StoreWriter, agentId: string, jobId: string, now = Date.now()): Promise<boolean> {
  const started = await tx.updateTable("jobs").set({ status: "running", started_at: now }).where("id", "=", jobId).where("assigned_to", "=", agentId).where("status", "=", "queued").executeTakeFirst();
  return Number(started.numUpdatedRows) === 1;
}

/**
 * Cancels an agent's job: one not yet handed out at once (its command withdrawn); one the agent
 * has gets a `stop` command and ends when the agent reports it ended. Returns the job as it now is.
 */
export async function cancelAgentJob(store: ResultsStore, job: JobRecord): Promise<JobRecord> {
  const agentId = job.assigned_to;
  if (agentId === null) throw new TypeError(`job ${job.id} runs on this server, not on an agent`);
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const now = Date.now();
    await tx.deleteFrom("agent_commands").where("job_id", "=", job.id).where("type", "=", "run_test").where("delivered_at", "is", null).execute();
    const delivered = await tx.selectFrom("agent_commands").select("id").where("job_id", "=", job.id).where("type", "=", "run_test").executeTakeFirst();
    // A test the agent has taken ends when the agent says so, its engine stopped; only one it never got is cancelled here.
    if (delivered === undefined) await tx.updateTable("jobs").set({ status: "cancelled", cancel_requested: 1, finished_at: now }).where("id", "=", job.id).where("status", "=", "queued").execute();
    const asked = await tx.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", job.id).where("status", "in", ["queued", "running"]).executeTakeFirst();
    const agentHasIt = delivered !== undefined && Number(asked.numUpdatedRows) === 1;
    const stopQueued = await tx.selectFrom("agent_commands").select("id").where("job_id", "=", job.id).where("type", "=", "stop").where("delivered_at", "is", null).executeTakeFirst();
    if (agentHasIt && !stopQueued) await queueCommand(tx, { agentId, type: "stop", payload: { job_id: job.id }, jobId: job.id });
    return toJobRecord(await tx.selectFrom("jobs").selectAll().where("id", "=", job.id).executeTakeFirstOrThrow());
  });
}

/**
 * Takes a batch of the agent's job events: returns the sequence numbers not taken before (a
 * batch sent again yields none) and starts a queued job. Undefined for a job not the agent's.
 */
export async function takeJobEvents(store: ResultsStore, agentId: string, jobId: string, seqs: readonly number[]): Promise<{ fresh: Set<number>; job: JobRecord; started: boolean } | undefined> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const row = await tx.selectFrom("jobs").selectAll().where("id", "=", jobId).where("assigned_to", "=", agentId).executeTakeFirst();
    if (!row) return undefined;
    const last = Number(row.last_event_seq);
    const fresh = new Set(seqs.filter((seq) => seq > last));
    if (fresh.size > 0) await tx.updateTable("jobs").set({ last_event_seq: Math.max(...fresh) }).where("id", "=", jobId).execute();
    const started = await startAgentJob(tx, agentId, jobId);
    const job = toJobRecord(await tx.selectFrom("jobs").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow());
    return { fresh, job, started };
  });
}

/** Records the run a job of the agent started (the first one it names). */
export async function setAgentJobRun(store: ResultsStore, agentId: string, jobId: string, runId: string): Promise<void> {
  await writeTransaction(store.db, store.dialect, (tx) =>
    tx.updateTable("jobs").set({ run_id: runId }).where("id", "=", jobId).where("assigned_to", "=", agentId).where("run_id", "is", null).execute(),
  );
}

/** Ends the agent's job (a queued one too: the agent failed before it began); a job already ended keeps its ending. */
export async function finishAgentJob(store: ResultsStore, agentId: string, jobId: string, end: JobEnd): Promise<JobRecord | undefined> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const now = Date.now();
    const set: { status: JobEnd["status"]; exit_code: number | null; error: string | null; finished_at: number; run_id?: string } = {
      status: end.status,
      exit_code: end.exitCode ?? null,
      error: end.error ?? null,
      finished_at: now,
    };
    if (end.runId) set.run_id = end.runId;
    await tx.updateTable("jobs").set(set).where("id", "=", jobId).where("assigned_to", "=", agentId).where("status", "in", ["queued", "running"]).execute();
    await tx.updateTable("agents").set({ running_job: null }).where("id", "=", agentId).where("running_job", "=", jobId).execute();
    const row = await tx.selectFrom("jobs").selectAll().where("id", "=", jobId).where("assigned_to", "=", agentId).executeTakeFirst();
    return row && toJobRecord(row);
  });
}

export type ResultsClaim = "import" | "already stored" | "not this job's run";

/**
 * Whether an upload of the run `runId` with digest `sha256` for the agent's job may be imported.
 * A run id already in the store is this job's only when this job claimed an upload of that run
 * before (a retry); otherwise it is someone else's run and is left alone. Claims before
 * importing, so a retry after a crash mid-import imports again (imports are idempotent).
 */
export async function claimResultsUpload(store: ResultsStore, job: JobRecord, runId: string, sha256: string): Promise<ResultsClaim> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const row = await tx.selectFrom("jobs").select(["run_id", "results_sha256"]).where("id", "=", job.id).executeTakeFirstOrThrow();
    const stored = await tx.selectFrom("runs").select("id").where("id", "=", runId).executeTakeFirst();
    const claimedBefore = row.results_sha256 !== null && row.run_id === runId;
    if (stored && claimedBefore && row.results_sha256 === sha256) return "already stored";
    if (stored && !claimedBefore) return "not this job's run";
    if (row.run_id !== null && row.run_id !== runId) return "not this job's run";
    await tx.updateTable("jobs").set({ run_id: runId, results_sha256: sha256 }).where("id", "=", job.id).execute();
    return "import";
  });
}
