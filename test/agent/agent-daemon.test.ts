/**
 * The agent end to end against a small server that speaks the protocol's routes and schemas
 * (`protocol-server.ts`; the real `kitt web` side is tested where both halves meet), with the real
 * llama-server and the tiny model: `kitt agent init` enrols with a code and never prints the token;
 * a `run_test` runs while the server goes away and comes back, and every event, the results and
 * the finish arrive once, in order; `stop` ends a test `cancelled` with no engine left; a database
 * reset makes the agent register again with its token; a revoked token ends it; an agent
 * SIGKILLed mid-test and started again removes the engine and reports the job `interrupted`; and
 * `kitt agent status`, `test list`, `test stop` and `stop` work on the running daemon.
 */
import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Parser } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentConfigPath } from "../../src/agent/agent-config.js";
import { AgentDaemon } from "../../src/agent/agent-daemon.js";
import { EXIT_CODES } from "../../src/errors.js";
import { kittBin, runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";
import { ProtocolServer } from "./protocol-server.js";

const llama = await requireLlamaServer();
const MODEL = "kitt-tiny-llama.gguf";

async function archiveEntries(body: Buffer): Promise<string[]> {
  const entries: string[] = [];
  await pipeline(Readable.from(body), new Parser({ onReadEntry: (entry) => (entries.push(entry.path), entry.resume()) }));
  return entries;
}

describe.skipIf(!llama)("kitt agent against the protocol's routes", () => {
  let home: string;
  let modelDir: string;
  let server: ProtocolServer;
  const previousHome = process.env.KITT_HOME;

  beforeAll(async () => {
    home = tempKittHome();
    modelDir = join(home, "models");
    await mkdir(modelDir, { recursive: true });
    await copyFile(await ensureTestModel(), join(modelDir, MODEL));
    // Leftover-engine records live under KITT_HOME/run: the cleanup reads this process's KITT_HOME.
    process.env.KITT_HOME = home;
    server = await ProtocolServer.start();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    if (previousHome === undefined) delete process.env.KITT_HOME;
    else process.env.KITT_HOME = previousHome;
  });

  const runTest = (jobId: string, port: number, runs?: number) =>
    server.queueCommand({
      type: "run_test",
      command_id: `run-${jobId}`,
      job_id: jobId,
      request: { model: MODEL, engine: "llama_cpp", runtime: "native", tests: ["throughput"], options: { port, ...(runs ? { runs } : {}) } },
    });
  const progressed = (jobId: string) => () => server.eventsOf(jobId).some((event) => event.type === "progress");

  it("enrols with the code, writes agent.yaml 0600 and never prints the token", async () => {
    const bad = await runKitt(["agent", "init", "--server", server.url, "--code", "x".repeat(32), "--name", "gpu-1", "--model-dir", modelDir], { KITT_HOME: home });
    expect(bad.code).toBe(EXIT_CODES.AGENT_REVOKED);
    const refusedPin = await runKitt(["agent", "init", "--server", server.url, "--code", server.code, "--ca-pin", "AB".repeat(32)], { KITT_HOME: home });
    expect(refusedPin.code).toBe(EXIT_CODES.USAGE);
    expect(refusedPin.stderr).toContain("--ca-pin pins an https server's certificate");

    const enrolled = await runKitt(["agent", "init", "--server", server.url, "--code", server.code, "--name", "gpu-1", "--model-dir", modelDir], { KITT_HOME: home });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout + enrolled.stderr).not.toContain(server.token);
    expect(server.registrations).toEqual([{ withCode: true, withToken: false, name: "gpu-1" }]);
    const path = agentConfigPath({ KITT_HOME: home });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, "utf8")).toContain(`token: ${server.token}`);
    const again = await runKitt(["agent", "init", "--server", server.url, "--code", server.code], { KITT_HOME: home });
    expect(again.code).toBe(EXIT_CODES.USAGE);
    expect(again.stderr).toContain("--force");
  }, 60_000);

  it("runs a test through an outage: every event, the results and the finish arrive once, in order", async () => {
    const said: string[] = [];
    await using _daemon = await AgentDaemon.start({ env: { ...process.env, KITT_HOME: home }, kittBin, heartbeatMs: 200, retryMs: 200, log: (line) => said.push(line) });
    const port = await freePort();
    runTest("job-1", port);
    await server.until(progressed("job-1"), 120_000, "progress of job-1");
    server.down = true;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server.down = false;
    // The agent kept calling while the server was away: heartbeats and events it then sent again.
    expect(server.refusedWhileDown).toBeGreaterThan(3);
    // The outage is said once, and its end once, not once per call.
    await server.until(() => said.some((line) => line.endsWith("answers again")), 10_000, "the agent noticing the server is back");
    expect(said.filter((line) => line.includes("503: down for maintenance"))).toHaveLength(1);
    expect(said.filter((line) => line.endsWith("answers again"))).toHaveLength(1);
    await server.until(() => server.finishes.has("job-1"), 120_000, "job-1's finish");

    const finish = server.finishes.get("job-1")!;
    expect(finish).toMatchObject({ status: "completed", exit_code: 0, error: null });
    expect(server.commandResults.get("run-job-1")).toEqual({ ok: true, output: "started job job-1" });
    const events = server.eventsOf("job-1");
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === "log").map((event) => event.line).join("\n")).toContain("engine ready");
    expect(events.find((event) => event.type === "run")).toMatchObject({ run_id: finish.run_id });
    const results = server.results.get("job-1")!;
    expect(results.runId).toBe(finish.run_id);
    expect(await archiveEntries(results.body)).toContain(`kitt-run-${finish.run_id!.slice(0, 8)}/metrics.json`);
    const order = server.requests.filter((request) => request.includes("/jobs/job-1/"));
    expect(order.at(-2)).toBe("PUT /api/v1/agent/jobs/job-1/results");
    expect(order.at(-1)).toBe("POST /api/v1/agent/jobs/job-1/finish");
    expect(server.heartbeats.some((beat) => beat.status === "busy" && beat.running_job === "job-1")).toBe(true);
    await server.until(() => server.heartbeats.at(-1)?.status === "idle", 10_000, "an idle heartbeat");
    expect(server.violations).toEqual([]);
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 180_000);

  it("answers commands, stops a running test on stop, re-registers after a database reset and ends when revoked", async () => {
    await using daemon = await AgentDaemon.start({ env: { ...process.env, KITT_HOME: home }, kittBin, heartbeatMs: 200, retryMs: 200, stopGraceMs: 20_000, log: () => undefined });
    server.queueCommand({ type: "cleanup_storage", command_id: "cleanup-1" });
    server.queueCommand({ type: "setup_engine", command_id: "setup-1", engine: "no-such-engine" });
    server.queueCommand({ type: "stop", command_id: "stop-0", job_id: "not-running" });
    await server.until(() => ["cleanup-1", "setup-1", "stop-0"].every((id) => server.commandResults.has(id)), 30_000, "command results");
    expect(server.commandResults.get("cleanup-1")).toMatchObject({ ok: true, output: `no copied models to delete in ${modelDir}` });
    expect(server.commandResults.get("setup-1")).toMatchObject({ ok: false, output: expect.stringContaining("unknown engine no-such-engine") as string });
    expect(server.commandResults.get("stop-0")).toMatchObject({ ok: false });

    const port = await freePort();
    runTest("job-2", port, 50);
    await server.until(progressed("job-2"), 120_000, "progress of job-2");
    expect(llamaServersOnPort(port)).toHaveLength(1);
    server.queueCommand({ type: "stop", command_id: "stop-2", job_id: "job-2" });
    await server.until(() => server.finishes.has("job-2"), 120_000, "job-2's finish");
    expect(server.finishes.get("job-2")).toMatchObject({ status: "cancelled", error: null });
    expect(server.commandResults.get("stop-2")).toMatchObject({ ok: true });
    expect(llamaServersOnPort(port)).toEqual([]);

    server.forget();
    await server.until(() => server.registrations.length === 2, 30_000, "registering again");
    expect(server.registrations[1]).toEqual({ withCode: false, withToken: true, name: "gpu-1" });
    const beats = server.heartbeats.length;
    await server.until(() => server.heartbeats.length > beats, 10_000, "heartbeats after registering again");

    server.revoked = true;
    const end = await daemon.ended;
    expect(end).toMatchObject({ reason: "revoked", message: expect.stringContaining("revoked or rotated") as string });
    server.revoked = false;
    expect(daemon.runningJob).toBeUndefined();
    expect(server.violations).toEqual([]);
  }, 180_000);

  it("a daemon SIGKILLed mid-test and started again removes the engine and reports the job interrupted; status, test list, test stop and stop work", async () => {
    const env = { KITT_HOME: home };
    const port = await freePort();
    runTest("job-crash", port, 50);
    const first = startKitt(["agent", "start"], env);
    await server.until(progressed("job-crash"), 120_000, "progress of job-crash");
    expect(llamaServersOnPort(port)).toHaveLength(1);
    first.child.kill("SIGKILL");
    await first.done;
    // Its kitt run sees the IPC channel close and stops; whatever is left, the next agent removes.

    const second = startKitt(["agent", "start"], env);
    try {
      await server.until(() => server.finishes.has("job-crash"), 120_000, "job-crash's finish");
      expect(server.finishes.get("job-crash")).toMatchObject({ status: "interrupted" });
      expect(llamaServersOnPort(port)).toEqual([]);
      await second.waitFor(/working for/);

      const status = await runKitt(["agent", "status", "--json"], env);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ name: "gpu-1", daemon_pid: second.child.pid, running_jobs: [] });
      expect(status.stdout).not.toContain(server.token);
      const listed = await runKitt(["agent", "test", "list", "--status", "interrupted", "--json"], env);
      expect((JSON.parse(listed.stdout) as Array<{ job_id: string }>).map((job) => job.job_id)).toEqual(["job-crash"]);

      const localPort = await freePort();
      runTest("job-local", localPort, 50);
      await server.until(progressed("job-local"), 120_000, "progress of job-local");
      const stopped = await runKitt(["agent", "test", "stop", "job-local"], env);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout + stopped.stderr).toContain("job job-local cancelled");
      await server.until(() => server.finishes.get("job-local")?.status === "cancelled", 30_000, "job-local cancelled");
      expect(llamaServersOnPort(localPort)).toEqual([]);
      expect((await runKitt(["agent", "test", "stop", "job-local"], env)).code).toBe(EXIT_CODES.NOT_FOUND);

      const twice = await runKitt(["agent", "start"], env);
      expect(twice.code).toBe(EXIT_CODES.USAGE);
      expect(twice.stderr).toContain(`an agent already runs from ${join(home, "agent")} (pid ${second.child.pid})`);

      const stop = await runKitt(["agent", "stop"], env);
      expect(stop.code, stop.stderr).toBe(0);
      expect((await second.done).code).toBe(EXIT_CODES.INTERRUPTED_SIGTERM);
      expect((await runKitt(["agent", "stop"], env)).code).toBe(EXIT_CODES.NOT_FOUND);
      expect(server.violations).toEqual([]);
    } finally {
      second.child.kill("SIGKILL");
    }
  }, 300_000);
});
