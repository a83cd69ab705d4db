/**
 * A run whose writer died (SIGKILL, power cut) stays `running`. A run is stale when it was
 * written on this host by a process that no longer exists; it becomes `interrupted`, keeping
 * the tests it completed, and so does its results folder when the run recorded one. Runs
 * written on other hosts are left alone: their owner cannot be checked.
 */
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import { markFolderInterrupted } from "../results/folder-status.js";
import { ownerState, type OwnerState, type ProcessOwner } from "../runtime/process-owner.js";
import type { StoreDialect } from "./connection.js";
import type { StoreTables } from "./schema.js";
import { writeTransaction } from "./write-transaction.js";

const STALE_REASON = "the kitt process writing this run died";

export async function markStaleRuns(db: Kysely<StoreTables>, dialect: StoreDialect): Promise<string[]> {
  const running = await db
    .selectFrom("runs")
    .select(["id", "owner_host", "owner_pid", "owner_token", "started_at", "results_dir"])
    .where("status", "=", "running")
    .where("owner_host", "=", hostname())
    .execute();
  const stale = running.filter((run) => writerState(run) === "gone");
  for (const run of stale) {
    const finishedAt = await writeTransaction(db, dialect, async (tx) => {
      const tests = await tx.selectFrom("benchmarks").select(["started_at", "duration_seconds"]).where("run_id", "=", run.id).execute();
      const ends = tests.map((test) => (test.started_at ?? run.started_at) + test.duration_seconds * 1000);
      const end = Math.round(Math.max(run.started_at, ...ends));
      await tx
        .updateTable("runs")
        .set({ status: "interrupted", finished_at: end, stop_reason: STALE_REASON })
        .where("id", "=", run.id)
        .where("status", "=", "running")
        .execute();
      return end;
    });
    // The database is the record that matters here: a folder moved or unwritable stays as it is.
    if (run.results_dir !== null) await markFolderInterrupted(run.results_dir, run.id, { finishedAt, reason: STALE_REASON }).catch(() => false);
  }
  return stale.map((run) => run.id);
}

/** Who recorded a live run: the host, the pid and (since schema 3) the rest of its identity. */
export interface RunWriterRecord {
  owner_host: string | null;
  owner_pid: number | null;
  owner_token: string | null;
}

/** `bootId/pidNamespace/startTime` of a writer, stored beside its pid; null where /proc cannot say. */
export function ownerToken(owner: ProcessOwner | undefined): string | null {
  return owner ? `${owner.bootId}/${owner.pidNamespace}/${owner.startTime}` : null;
}

/**
 * Whether a run's writer is alive. With its full identity, a reused pid is told apart from the
 * writer (runtime/process-owner); rows from before schema 3 have only the pid to go on.
 */
export function writerState(run: RunWriterRecord): OwnerState {
  if (run.owner_pid === null) return "unknown";
  if (run.owner_host !== hostname()) return "elsewhere";
  const [bootId, pidNamespace, startTime] = run.owner_token?.split("/") ?? [];
  if (bootId && pidNamespace && startTime) return ownerState({ pid: run.owner_pid, bootId, pidNamespace, startTime });
  return processAlive(run.owner_pid) ? "alive" : "gone";
}

/** Whether process `pid` exists on this host. */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
