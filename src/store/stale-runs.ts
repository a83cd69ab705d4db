/**
 * A run whose writer died (SIGKILL, power cut) stays `running`. A run is stale when it was
 * written on this host by a process that no longer exists; it becomes `interrupted`, keeping
 * the tests it completed. Runs written on other hosts are left alone: their owner cannot be checked.
 */
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { StoreDialect } from "./connection.js";
import type { StoreTables } from "./schema.js";
import { writeTransaction } from "./write-transaction.js";

export async function markStaleRuns(db: Kysely<StoreTables>, dialect: StoreDialect): Promise<string[]> {
  const running = await db
    .selectFrom("runs")
    .select(["id", "owner_pid", "started_at"])
    .where("status", "=", "running")
    .where("owner_host", "=", hostname())
    .execute();
  const stale = running.filter((run) => run.owner_pid !== null && !processAlive(run.owner_pid));
  for (const run of stale) {
    await writeTransaction(db, dialect, async (tx) => {
      const tests = await tx.selectFrom("benchmarks").select(["started_at", "duration_seconds"]).where("run_id", "=", run.id).execute();
      const ends = tests.map((test) => (test.started_at ?? run.started_at) + test.duration_seconds * 1000);
      await tx
        .updateTable("runs")
        .set({ status: "interrupted", finished_at: Math.round(Math.max(run.started_at, ...ends)), stop_reason: "the kitt process writing this run died" })
        .where("id", "=", run.id)
        .where("status", "=", "running")
        .execute();
    });
  }
  return stale.map((run) => run.id);
}

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
