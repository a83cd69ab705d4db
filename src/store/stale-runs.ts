/**
 * A run whose writer died (SIGKILL, power cut) stays `running`. A run is stale when it was
 * written on this host by a process that no longer exists; it becomes `interrupted`, keeping
 * the tests it completed, and so does its results folder when the run recorded one. Runs
 * written on other hosts are left alone: their owner cannot be checked.
 */
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import { markFolderInterrupted } from "../report/folder-status.js";
import type { StoreDialect } from "./connection.js";
import type { StoreTables } from "./schema.js";
import { writeTransaction } from "./write-transaction.js";

const STALE_REASON = "the kitt process writing this run died";

export async function markStaleRuns(db: Kysely<StoreTables>, dialect: StoreDialect): Promise<string[]> {
  const running = await db
    .selectFrom("runs")
    .select(["id", "owner_pid", "started_at", "results_dir"])
    .where("status", "=", "running")
    .where("owner_host", "=", hostname())
    .execute();
  const stale = running.filter((run) => run.owner_pid !== null && !processAlive(run.owner_pid));
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

/** Whether process `pid` exists on this host. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
