/**
 * A `run_test` on the agent with the real llama-server and the tiny model: a test runs to the
 * end with its log lines, progress and run id spooled as numbered batches, then its results
 * folder as a `.tar.gz` whose digest is right, then its finish; a stop mid-run ends it
 * `cancelled` with no engine left; a request the model directory refuses ends `failed`; and an
 * agent restarted after a crash stops the `kitt run` it left, removes its engine and reports the
 * job `interrupted`.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { list } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentState } from "../../src/agent/agent-state.js";
import { JobExecution, recoverInterruptedJobs } from "../../src/agent/job-executor.js";
import { Spool, type SpooledItem } from "../../src/agent/spool.js";
import { processStartTime } from "../../src/runtime/process-owner.js";
import { JobRequestSchema } from "../../src/server/jobs/job-request.js";
import { kittBin, tempKittHome } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const llama = await requireLlamaServer();
const MODEL = "kitt-tiny-llama.gguf";

describe.skipIf(!llama)("agent job executor on the real llama-server", () => {
  let home: string;
  let modelDir: string;
  let env: NodeJS.ProcessEnv;
  const previousHome = process.env.KITT_HOME;

  beforeAll(async () => {
    home = tempKittHome();
    modelDir = join(home, "models");
    await mkdir(modelDir, { recursive: true });
    await copyFile(await ensureTestModel(), join(modelDir, MODEL));
    env = { ...process.env, KITT_HOME: home };
    // Leftover-engine records live under KITT_HOME/run: the cleanup reads this process's KITT_HOME.
    process.env.KITT_HOME = home;
  }, 60_000);
  afterAll(() => {
    if (previousHome === undefined) delete process.env.KITT_HOME;
    else process.env.KITT_HOME = previousHome;
  });

  async function execution(jobId: string, request: unknown) {
    const dir = join(home, jobId);
    const spool = await Spool.open(join(dir, "spool"));
    const state = await AgentState.open(dir);
    const job = JobExecution.start({ jobId, request: JobRequestSchema.parse(request), modelDir, env, kittBin, jobsDir: join(dir, "jobs"), spool, state, onSpooled: () => undefined, stopGraceMs: 20_000, batchMs: 100 });
    return { job, spool, state, dir };
  }

  const events = (items: SpooledItem[]) => items.flatMap((item) => (item.kind === "events" ? item.batch.events : []));

  async function waitForProgress(spool: Spool): Promise<void> {
    for (let waited = 0; waited < 120_000; waited += 100) {
      if (events(await spool.items()).some((event) => event.type === "progress")) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("no progress within 120 s");
  }

  it("runs a test to the end: numbered events, then the results archive, then the finish", async () => {
    const port = await freePort();
    const { job, spool, state } = await execution("job-complete", { model: MODEL, engine: "llama_cpp", runtime: "native", tests: ["throughput"], options: { port } });
    const finish = await job.done;
    expect(finish).toMatchObject({ status: "completed", exit_code: 0, error: null });
    expect(finish.run_id).toMatch(/^[0-9a-f-]{36}$/);

    const items = await spool.items();
    const kinds = items.map((item) => item.kind);
    expect(kinds.slice(-2)).toEqual(["results", "finish"]);
    expect(kinds.slice(0, -2).every((kind) => kind === "events")).toBe(true);
    const all = events(items);
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    expect(all.filter((event) => event.type === "log").map((event) => event.line).join("\n")).toContain("engine ready");
    expect(all.some((event) => event.type === "progress" && event.test === "throughput")).toBe(true);
    expect(all.filter((event) => event.type === "run")).toEqual([expect.objectContaining({ run_id: finish.run_id })]);

    const results = items.at(-2)!;
    if (results.kind !== "results") throw new Error("expected the results item");
    expect(results.run_id).toBe(finish.run_id);
    const archive = join(spool.blobsDir, results.archive);
    expect(createHash("sha256").update(await readFile(archive)).digest("hex")).toBe(results.sha256);
    const entries: string[] = [];
    await list({ file: archive, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries).toContain(`kitt-run-${finish.run_id!.slice(0, 8)}/metrics.json`);

    expect(state.snapshot.jobs).toEqual([expect.objectContaining({ job_id: "job-complete", status: "completed", run_id: finish.run_id })]);
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 180_000);

  it("stops a running test like Ctrl+C: cancelled, its partial results still packed, no engine left", async () => {
    const port = await freePort();
    const { job, spool } = await execution("job-stop", { model: MODEL, engine: "llama_cpp", runtime: "native", tests: ["throughput"], options: { port, runs: 50 } });
    await waitForProgress(spool);
    const engines = llamaServersOnPort(port);
    expect(engines).toHaveLength(1);
    job.stop("cancelled");
    const finish = await job.done;
    expect(finish).toMatchObject({ status: "cancelled", error: null });
    expect(llamaServersOnPort(port)).toEqual([]);
    expect(processStartTime(engines[0]!)).toBeUndefined();
    expect(await readdir(join(home, "run")).catch(() => [])).toEqual([]);
    expect(finish.run_id).not.toBeNull();
    expect((await spool.items()).slice(-2)).toEqual([
      expect.objectContaining({ kind: "results", run_id: finish.run_id }),
      expect.objectContaining({ kind: "finish", finish: expect.objectContaining({ status: "cancelled" }) as unknown }),
    ]);
  }, 180_000);

  it("ends a request the model directory refuses as failed, with the reason", async () => {
    const { job, spool } = await execution("job-refused", { model: "../outside.gguf", engine: "llama_cpp", runtime: "native" });
    const finish = await job.done;
    expect(finish).toMatchObject({ status: "failed", exit_code: null, run_id: null });
    expect(finish.error).toMatch(/'\.\.'/);
    expect((await spool.items()).map((item) => item.kind)).toEqual(["finish"]);
  });

  it("after a crash: stops the kitt run the dead agent left, removes its engine and reports the job interrupted", async () => {
    const port = await freePort();
    const dir = join(home, "crashed");
    const state = await AgentState.open(dir);
    const spool = await Spool.open(join(dir, "spool"));
    // What a killed agent leaves: its `kitt run`, in its own process group, still running the engine.
    const orphan = spawn(process.execPath, [kittBin, "run", "--engine", "llama_cpp", "--runtime", "native", "--model", join(modelDir, MODEL), "--suite", "quick", "--port", String(port)], {
      env: { ...env, NO_COLOR: "1" },
      detached: true,
      stdio: "ignore",
    });
    orphan.unref();
    const pid = orphan.pid!;
    await state.update((data) => {
      data.jobs.push({ job_id: "job-crashed", status: "running", engine: "llama_cpp", model: MODEL, started_at: new Date().toISOString(), ended_at: null, run_id: null, error: null, pid, pid_start_time: processStartTime(pid) });
    });
    for (let waited = 0; llamaServersOnPort(port).length === 0; waited += 100) {
      if (waited > 60_000) throw new Error("the engine did not start");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const engine = llamaServersOnPort(port)[0]!;

    const restarted = await AgentState.open(dir);
    expect(await recoverInterruptedJobs(restarted, spool, 20_000)).toEqual(["job-crashed"]);
    expect(processStartTime(pid)).toBeUndefined();
    expect(processStartTime(engine)).toBeUndefined();
    expect(llamaServersOnPort(port)).toEqual([]);
    expect(await spool.items()).toEqual([expect.objectContaining({ kind: "finish", job_id: "job-crashed", finish: expect.objectContaining({ status: "interrupted" }) as unknown })]);
    expect((await AgentState.open(dir)).snapshot.jobs[0]).toMatchObject({ status: "interrupted", error: expect.stringContaining("restarted") as string });
    // Nothing left to report the second time.
    expect(await recoverInterruptedJobs(await AgentState.open(dir), spool)).toEqual([]);
  }, 180_000);
});
