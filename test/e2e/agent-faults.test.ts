/**
 * A remote agent through faults, every side a real process: `kitt web`, `kitt agent start` and the
 * llama-server its `kitt run` starts with the tiny model. One server and one agent go through, in
 * turn: the agent's row deleted mid-test (a database reset), the server killed mid-test and
 * started again on the same port and database, a test stopped from the server, and the agent
 * killed mid-test and started again (alone, and with its kitt run, which leaves the engine to
 * the agent). Each test begins with the agent idle and nothing running.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/results-store.js";
import { Spool } from "../../src/agent/spool.js";
import { startKitt, tempKittHome, type KittRun } from "../support/cli.js";
import { initAgent, jobEvents, startWeb, webApi, type WebApi, type WebProcess } from "../support/kitt-web.js";
import { freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort, runningProcesses } from "../support/processes.js";

const llama = await requireLlamaServer();
const TOKEN = "agent-faults-token-0123456789";
const FINAL = new Set(["completed", "failed", "cancelled", "interrupted", "lost"]);
/** A custom test of one short answer: a whole job in a few seconds, even on a busy machine. */
const ONE_PROMPT = `name: one_prompt
description: One short answer.
version: "1"
sampling: {temperature: 0, max_tokens: 8}
scoring: {type: contains}
items:
  - prompt: Say hello.
    expected: hello
`;

describe.skipIf(!llama)("a kitt agent through faults", () => {
  const started: KittRun[] = [];
  const enginePorts: number[] = [];
  const jobIds: string[] = [];
  let serverHome: string;
  let web: WebProcess;
  let api: WebApi;
  let agentHome: string;
  let agentId: string;
  let agent: KittRun;

  const startAgent = async (): Promise<KittRun> => {
    const run = startKitt(["agent", "start"], { KITT_HOME: agentHome });
    started.push(run);
    await run.waitFor(/working for/, 60_000);
    return run;
  };

  /**
   * A quick test of the tiny model sent to the agent, its engine on a port of its own: the
   * one-prompt test without warmup, or the quick suite `runs` times for a test stopped long before its end.
   */
  const submit = async (runs?: number): Promise<{ jobId: string; port: number }> => {
    const port = await freePort();
    enginePorts.push(port);
    const [suite, options] = runs === undefined ? ["one_prompt", { port, skip_warmup: true }] : ["quick", { port, runs }];
    const job = await api("/api/v1/jobs", { method: "POST", body: { model: "tiny.gguf", engine: "llama_cpp", runtime: "native", suite, target: agentId, options } });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    jobIds.push(job.body.id as string);
    return { jobId: job.body.id as string, port };
  };

  const job = async (jobId: string) => (await api(`/api/v1/jobs/${jobId}`)).body as { status: string; run_id: string | null; error: string | null };
  const ended = (jobId: string, timeout = 240_000) =>
    vi.waitFor(
      async () => {
        const now = await job(jobId);
        if (!FINAL.has(now.status)) throw new Error(`job ${jobId} is ${now.status}`);
        return now;
      },
      { timeout, interval: 250 },
    );
  const engineRunning = (port: number) => vi.waitFor(() => expect(llamaServersOnPort(port)).not.toEqual([]), { timeout: 90_000, interval: 100 });
  const serverLog = (jobId: string) => readFile(join(serverHome, "jobs", `${jobId}.log`), "utf8").catch(() => "");
  const agentLog = (jobId: string) => readFile(join(agentHome, "agent", "jobs", `${jobId}.log`), "utf8");
  const runCount = async () => ((await api("/api/v1/runs?limit=100")).body.runs as unknown[]).length;

  beforeAll(async () => {
    serverHome = tempKittHome();
    web = await startWeb(serverHome, TOKEN);
    started.push(web.run);
    api = webApi(web.base, TOKEN);
    const enrolled = await initAgent(api, web.base, "box-f");
    expect(enrolled.init.code, enrolled.init.stderr).toBe(0);
    agentHome = enrolled.home;
    await mkdir(join(agentHome, "tests"));
    await writeFile(join(agentHome, "tests", "one_prompt.yaml"), ONE_PROMPT);
    agentId = ((await api("/api/v1/agents")).body.agents as Array<{ id: string }>)[0]!.id;
    expect((await api(`/api/v1/agents/${agentId}`, { method: "PATCH", body: { heartbeat_interval_s: 10 } })).status).toBe(200);
    agent = await startAgent();
  }, 120_000);

  // A test that failed half-way must not leave the agent busy for the next one (it runs one test at a time).
  afterEach(async () => {
    for (const jobId of jobIds.splice(0)) {
      if (FINAL.has((await job(jobId)).status)) continue;
      await api(`/api/v1/jobs/${jobId}/cancel`, { method: "POST" });
      await ended(jobId, 120_000).catch(() => undefined);
    }
  }, 180_000);

  afterAll(async () => {
    for (const run of started.reverse()) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGINT");
      await run.done;
    }
    // An engine a failed test left behind (only this file's ports).
    for (const pid of enginePorts.flatMap(llamaServersOnPort)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Ended meanwhile.
      }
    }
  }, 120_000);

  it("registers again with its token when its row is deleted mid-test, finishes that test and runs the next", async () => {
    const first = await submit();
    await engineRunning(first.port);
    {
      await using store = await openStore({ url: join(serverHome, "kitt.db"), migrate: false });
      expect(Number((await store.db.deleteFrom("agents").where("id", "=", agentId).executeTakeFirst()).numDeletedRows)).toBe(1);
    }
    await agent.waitFor(/registered again with \S+ as \S+/, 60_000);
    const restored = await api(`/api/v1/agents/${agentId}`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: agentId, name: "box-f" });
    // A reset loses the settings too: set the short heartbeat again.
    expect((await api(`/api/v1/agents/${agentId}`, { method: "PATCH", body: { heartbeat_interval_s: 10 } })).status).toBe(200);

    expect(await ended(first.jobId)).toMatchObject({ status: "completed" });
    const next = await submit();
    expect(await ended(next.jobId)).toMatchObject({ status: "completed" });
    expect(enginePorts.flatMap(llamaServersOnPort)).toEqual([]);
  }, 480_000);

  it("keeps running its test while the server is down and delivers the log lines and results once", async () => {
    const runsBefore = await runCount();
    const { jobId, port } = await submit();
    await vi.waitFor(async () => expect(await serverLog(jobId)).toContain("engine ready"), { timeout: 90_000, interval: 100 });

    const said = agent.stderr().length;
    web.run.child.kill("SIGKILL");
    await web.run.done;
    // The agent noticed: something it owed the server is spooled, not sent.
    await vi.waitFor(() => expect(agent.stderr().slice(said)).toContain(`${web.base} did not answer`), { timeout: 30_000 });
    web = await startWeb(serverHome, TOKEN, web.port);
    started.push(web.run);

    // A viewer on the restarted server: what the agent spooled arrives once, in order.
    const events = await jobEvents(web.base, TOKEN, jobId, 300_000);
    expect(events.at(-1)).toMatchObject({ type: "status", job: { status: "completed" } });
    const seqs = events.map((event) => event.seq).filter((seq) => seq > 0);
    expect(new Set(seqs).size).toBe(seqs.length);

    const finished = await ended(jobId);
    expect(finished).toMatchObject({ status: "completed" });
    expect((await api(`/api/v1/runs/${finished.run_id!}`)).body).toMatchObject({ status: "completed", engine: "llama_cpp" });
    expect(await runCount()).toBe(runsBefore + 1);
    // The server's copy of the log is the agent's, line for line: nothing lost, nothing twice.
    const log = await agentLog(jobId);
    expect(await serverLog(jobId)).toBe(log);
    const lines = log.split("\n");
    const streamed = events.filter((event) => event.type === "log").map((event) => event.line);
    if (streamed.length > 0) {
      const from = lines.indexOf(streamed[0]!);
      expect(streamed).toEqual(lines.slice(from, from + streamed.length));
    }
    await vi.waitFor(async () => expect(await Spool.pendingCount(join(agentHome, "agent", "spool"))).toBe(0), { timeout: 30_000 });
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 480_000);

  it("stops a test when the server cancels it: the engine is gone and the job cancelled", async () => {
    const { jobId, port } = await submit(100);
    await engineRunning(port);
    expect((await api(`/api/v1/jobs/${jobId}/cancel`, { method: "POST" })).status).toBe(200);
    expect(await ended(jobId, 120_000)).toMatchObject({ status: "cancelled" });
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 480_000);

  it("a killed agent started again at once: its test's engine is gone and the test reported interrupted", async () => {
    const { jobId, port } = await submit(100);
    await engineRunning(port);
    agent.child.kill("SIGKILL");
    await agent.done;
    // kitt run stops as on Ctrl+C once its agent is gone; the agent started again stops it if it still runs.
    agent = await startAgent();
    await vi.waitFor(() => expect(llamaServersOnPort(port)).toEqual([]), { timeout: 60_000, interval: 100 });
    expect(runningProcesses((argv) => argv.includes(String(port)) && argv.includes("run"))).toEqual([]);
    expect(await ended(jobId, 60_000)).toMatchObject({ status: "interrupted" });
  }, 480_000);

  it("removes the engine a killed agent left and reports its test interrupted once started again", async () => {
    const { jobId, port } = await submit(100);
    const [engine] = await engineRunning(port).then(() => llamaServersOnPort(port));
    // The agent and its kitt run die at once (SIGKILL), so neither removes the engine.
    const state = JSON.parse(await readFile(join(agentHome, "agent", "state.json"), "utf8")) as { jobs: Array<{ job_id: string; pid?: number }> };
    const runPid = state.jobs.find((entry) => entry.job_id === jobId)?.pid;
    expect(runPid).toBeDefined();
    agent.child.kill("SIGKILL");
    process.kill(runPid!, "SIGKILL");
    await agent.done;
    await vi.waitFor(() => expect(runningProcesses((argv) => argv.includes(String(port)) && argv.includes("run"))).toEqual([]), { timeout: 10_000 });
    expect(llamaServersOnPort(port)).toEqual([engine]);

    agent = await startAgent();
    await vi.waitFor(() => expect(llamaServersOnPort(port)).toEqual([]), { timeout: 60_000, interval: 100 });
    const finished = await ended(jobId, 60_000);
    expect(finished.status).toBe("interrupted");
    expect(finished.error).toContain("leftover engines removed");
  }, 480_000);
});
