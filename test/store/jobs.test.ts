/**
 * The jobs table on SQLite and PostgreSQL: queueing, claiming in order (once only), paging and
 * filtering, cancelling, ending, and marking the jobs of a dead server `interrupted` while a live
 * one's are left alone.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { claimNextJob, createJob, finishJob, getJob, jobOwnerToken, listJobs, markStaleJobs, requestJobCancel, setJobRunId } from "../../src/store/jobs.js";
import { currentOwner, processStartTime, type ProcessOwner } from "../../src/runtime/process-owner.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "./backends.js";

const backends = await allBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

/** The identity of a process that existed and is gone now: a server that died. */
async function deadOwner(): Promise<ProcessOwner> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  await once(child, "spawn");
  const startTime = processStartTime(child.pid!);
  const here = currentOwner();
  if (!startTime || !here) throw new Error("this host has no /proc to tell process identities by");
  child.kill("SIGKILL");
  await once(child, "exit");
  return { ...here, pid: child.pid!, startTime };
}

describe.each(backends)("jobs table on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  const withStore = async (work: (store: ResultsStore) => Promise<void>) => {
    const store = await openStore({ url: await backend.freshUrl() });
    try {
      await work(store);
    } finally {
      await store.close();
    }
  };

  test("jobs are claimed oldest first, each by one claimer, and end once", () =>
    withStore(async (store) => {
      const first = await createJob(store, { kind: "quick-test", request: { engine: "llama_cpp", model: "a.gguf" }, logPath: (id) => `/logs/${id}.log` });
      const second = await createJob(store, { kind: "quick-test", request: { engine: "llama_cpp", model: "b.gguf" } });
      expect(first).toMatchObject({ status: "queued", cancel_requested: false, run_id: null, log_path: `/logs/${first.id}.log`, started_at: null });
      expect(await getJob(store, first.id)).toEqual(first);

      // Three claimers at once: each job goes to one of them, whichever wins; one gets nothing.
      const claims = await Promise.all([claimNextJob(store), claimNextJob(store), claimNextJob(store)]);
      expect(claims.flatMap((job) => (job ? [job.id] : [])).sort()).toEqual([first.id, second.id].sort());
      expect(claims.filter((job) => job === undefined)).toHaveLength(1);
      const claimed = (await getJob(store, first.id))!;
      expect(claimed.status).toBe("running");
      expect(claimed.owner_token).toBe(jobOwnerToken(currentOwner()));
      expect(claimed.started_at).toBeGreaterThanOrEqual(first.created_at);

      await setJobRunId(store, first.id, "run-1");
      const done = await finishJob(store, first.id, { status: "completed", exitCode: 0 });
      expect(done).toMatchObject({ status: "completed", exit_code: 0, run_id: "run-1", error: null });
      // A second ending does not overwrite the first.
      expect(await finishJob(store, first.id, { status: "failed", exitCode: 1, error: "late" })).toMatchObject({ status: "completed", exit_code: 0 });
    }));

  test("cancelling a queued job cancels it; a running one is flagged for its runner; a finished one stays", () =>
    withStore(async (store) => {
      const running = await createJob(store, { kind: "quick-test", request: {} });
      await claimNextJob(store);
      const queued = await createJob(store, { kind: "quick-test", request: {} });
      expect(await requestJobCancel(store, queued.id)).toMatchObject({ status: "cancelled", cancel_requested: true });
      expect((await requestJobCancel(store, queued.id)).finished_at).not.toBeNull();
      expect(await claimNextJob(store)).toBeUndefined();
      expect(await requestJobCancel(store, running.id)).toMatchObject({ status: "running", cancel_requested: true });
      await finishJob(store, running.id, { status: "cancelled", exitCode: 130 });
      expect(await requestJobCancel(store, running.id)).toMatchObject({ status: "cancelled", exit_code: 130 });
      await expect(requestJobCancel(store, "no-such-job")).rejects.toMatchObject({ code: "NOT_FOUND" });
    }));

  test("listing pages newest first without repeats and filters by status", () =>
    withStore(async (store) => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await createJob(store, { kind: "quick-test", request: { i } })).id);
      await claimNextJob(store);
      const seen: string[] = [];
      let after: { created_at: number; id: string } | undefined;
      for (;;) {
        const page = await listJobs(store, { limit: 3, after });
        if (page.length === 0) break;
        seen.push(...page.map((job) => job.id));
        const last = page.at(-1)!;
        after = { created_at: last.created_at, id: last.id };
      }
      expect(seen.sort()).toEqual([...ids].sort());
      const all = await listJobs(store, { limit: 100 });
      expect(all.map((job) => job.created_at)).toEqual([...all.map((job) => job.created_at)].sort((x, y) => y - x));
      expect((await listJobs(store, { limit: 100, status: ["running"] })).map((job) => job.id)).toEqual([ids[0]]);
      expect(await listJobs(store, { limit: 100, status: ["queued", "running"] })).toHaveLength(7);
      expect(await listJobs(store, { limit: 100, status: ["completed"] })).toEqual([]);
    }));

  test("a running job whose server died is marked interrupted, keeping its run; a live server's job is left alone", () =>
    withStore(async (store) => {
      const orphan = await createJob(store, { kind: "quick-test", request: {} });
      await claimNextJob(store, await deadOwner());
      await setJobRunId(store, orphan.id, "partial-run");
      const live = await createJob(store, { kind: "quick-test", request: {} });
      await claimNextJob(store);
      const unknown = await createJob(store, { kind: "quick-test", request: {} });
      await claimNextJob(store, undefined);

      expect(await markStaleJobs(store)).toEqual([orphan.id]);
      expect(await getJob(store, orphan.id)).toMatchObject({ status: "interrupted", run_id: "partial-run", error: expect.stringContaining("stopped") });
      expect((await getJob(store, live.id))?.status).toBe("running");
      // Who ran it cannot be told: left for a person to judge.
      expect((await getJob(store, unknown.id))?.status).toBe("running");
      expect(await markStaleJobs(store)).toEqual([]);
    }));
});
