/**
 * Models on a running agent, against the protocol's routes (`protocol-server.ts`) with a share in
 * a temp folder and the real llama-server with the tiny model: a `run_test` whose model only the
 * share holds copies it (its progress reaches the server as the job's events, before the run's),
 * runs it and deletes the copy once the run ended, completed or cancelled, while `auto_cleanup` is
 * on, and keeps it while off; `cleanup_storage` refuses the running test's model and deletes one
 * copy or all, never a person's file; a model path that leads outside the model directory and the
 * share ends the job with a clear error.
 */
import { copyFile, mkdir, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentConfigPath, loadAgentConfig, saveAgentConfig } from "../../src/agent/agent-config.js";
import { AgentDaemon } from "../../src/agent/agent-daemon.js";
import { readAgentState } from "../../src/agent/agent-state.js";
import { COPIES_DIR } from "../../src/agent/copied-models.js";
import { listCopiedModels } from "../../src/agent/model-source.js";
import { formatBytes } from "../../src/results/metric-format.js";
import type { AgentCommand } from "../../src/server/agents/agent-protocol.js";
import { kittBin, tempKittHome } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";
import { ProtocolServer } from "./protocol-server.js";

const llama = await requireLlamaServer();
const SHARED = "org/tiny.gguf";
const PERSONS = ["mine.gguf", "notes", "notes/readme.txt"];

describe.skipIf(!llama)("models on a running agent", () => {
  let home: string;
  let modelDir: string;
  let share: string;
  let size: number;
  let server: ProtocolServer;
  let daemon: AgentDaemon;
  const previousHome = process.env.KITT_HOME;

  beforeAll(async () => {
    home = tempKittHome();
    modelDir = join(home, "models");
    share = join(home, "share");
    const model = await ensureTestModel();
    size = (await stat(model)).size;
    await mkdir(join(share, "org"), { recursive: true });
    await mkdir(join(share, "other"), { recursive: true });
    await copyFile(model, join(share, SHARED));
    await copyFile(model, join(share, "other/second.gguf"));
    await writeFile(join(home, "outside.gguf"), "not for the agent");
    await symlink(join(home, "outside.gguf"), join(share, "escape.gguf"));
    // What a person put in the model directory.
    await mkdir(join(modelDir, "notes"), { recursive: true });
    await copyFile(model, join(modelDir, "mine.gguf"));
    await writeFile(join(modelDir, "notes/readme.txt"), "hands off");
    // Leftover-engine records live under KITT_HOME/run: the cleanup reads this process's KITT_HOME.
    process.env.KITT_HOME = home;
    server = await ProtocolServer.start();
    await saveAgentConfig(
      { server: server.url, agent_id: server.agentId, token: server.token, name: "gpu-models", model_dir: modelDir, share_mount: share, settings: { heartbeat_interval_s: 10, auto_cleanup: true } },
      agentConfigPath({ KITT_HOME: home }),
    );
    daemon = await AgentDaemon.start({ env: { ...process.env, KITT_HOME: home }, kittBin, heartbeatMs: 200, retryMs: 200, stopGraceMs: 20_000, log: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await daemon?.close();
    await server?.close();
    if (previousHome === undefined) delete process.env.KITT_HOME;
    else process.env.KITT_HOME = previousHome;
  });

  /** The model directory's files, bar the copies' bookkeeping. */
  const modelDirEntries = async () => (await readdir(modelDir, { recursive: true })).filter((path) => !path.startsWith(COPIES_DIR)).sort();
  const runTest = (jobId: string, model: string, options: { engine?: "llama_cpp" | "vllm"; port?: number; runs?: number } = {}) =>
    server.queueCommand({
      type: "run_test",
      command_id: `run-${jobId}`,
      job_id: jobId,
      request:
        options.engine === "vllm"
          ? { model, engine: "vllm", runtime: "docker", options: {} }
          : { model, engine: "llama_cpp", runtime: "native", tests: ["throughput"], options: { port: options.port, ...(options.runs ? { runs: options.runs } : {}) } },
    });
  const finished = async (jobId: string, timeoutMs = 240_000) => {
    await server.until(() => server.finishes.has(jobId), timeoutMs, `${jobId}'s finish`);
    return server.finishes.get(jobId)!;
  };
  const command = async (body: Omit<Extract<AgentCommand, { type: "cleanup_storage" }>, "type">) => {
    server.queueCommand({ type: "cleanup_storage", ...body });
    await server.until(() => server.commandResults.has(body.command_id), 30_000, `${body.command_id}'s result`);
    return server.commandResults.get(body.command_id)!;
  };
  const logLines = (jobId: string) => server.eventsOf(jobId).flatMap((event) => (event.type === "log" ? [event.line] : []));
  const setAutoCleanup = async (on: boolean) => {
    server.autoCleanup = on;
    for (let waited = 0; (await loadAgentConfig(agentConfigPath({ KITT_HOME: home }))).settings.auto_cleanup !== on; waited += 100) {
      if (waited > 30_000) throw new Error(`auto_cleanup ${on} never reached agent.yaml`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it("copies a model only the share holds with progress to the server, runs it and deletes the copy afterwards", async () => {
    const port = await freePort();
    runTest("job-copy", SHARED, { port });
    expect(await finished("job-copy")).toMatchObject({ status: "completed", error: null });
    const events = server.eventsOf("job-copy");
    const copying = events.filter((event) => event.type === "progress" && event.test === "model");
    expect(copying.length).toBeGreaterThanOrEqual(1);
    expect(copying.at(-1)).toMatchObject({ phase: "copying", completed: 100, total: 100, message: `copying model ${SHARED} … 100 % (${formatBytes(size)} of ${formatBytes(size)})` });
    const lines = logLines("job-copy");
    expect(lines[0]).toBe(`copying model ${SHARED} from the share ${share} (${formatBytes(size)})`);
    expect(lines).toContainEqual(expect.stringMatching(/^copied model org\/tiny\.gguf in \d+\.\d s; size and SHA-256 match the share$/));
    expect(lines.at(-1)).toBe(`auto_cleanup: deleted the copy of ${SHARED} (${formatBytes(size)})`);
    // The copy came first, then the run.
    expect(events.findIndex((event) => event.type === "run")).toBeGreaterThan(events.indexOf(copying.at(-1)!));
    expect(server.results.get("job-copy")?.runId).toBe(server.finishes.get("job-copy")?.run_id);
    expect(await modelDirEntries()).toEqual(PERSONS);
    expect(await listCopiedModels(modelDir)).toEqual([]);
    // What a restarted agent deletes should this run have ended in a crash.
    expect((await readAgentState(join(home, "agent"))).jobs.find((job) => job.job_id === "job-copy")).toMatchObject({ status: "completed", copied_model: SHARED });
    expect(llamaServersOnPort(port)).toEqual([]);
    expect(server.violations).toEqual([]);
  }, 300_000);

  it("refuses to delete the running test's model, and deletes its copy once the test is stopped", async () => {
    const port = await freePort();
    runTest("job-stop", SHARED, { port, runs: 50 });
    await server.until(() => server.eventsOf("job-stop").some((event) => event.type === "progress" && event.test !== "model"), 180_000, "job-stop's test progress");
    expect(await command({ command_id: "clean-running", model: `./${SHARED}` })).toEqual({ ok: false, output: `${SHARED} is in use by the running job job-stop; nothing deleted` });
    expect(await command({ command_id: "clean-all-running" })).toEqual({
      ok: true,
      output: `no copied models to delete in ${modelDir}\nkept the copy of ${SHARED}: the running job job-stop uses it`,
    });
    expect(await listCopiedModels(modelDir)).toEqual([SHARED]);
    server.queueCommand({ type: "stop", command_id: "stop-job-stop", job_id: "job-stop" });
    expect(await finished("job-stop", 120_000)).toMatchObject({ status: "cancelled" });
    expect(logLines("job-stop").at(-1)).toBe(`auto_cleanup: deleted the copy of ${SHARED} (${formatBytes(size)})`);
    expect(await modelDirEntries()).toEqual(PERSONS);
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 300_000);

  it("keeps copies while auto_cleanup is off; cleanup_storage deletes one, then all, never a person's file", async () => {
    await setAutoCleanup(false);
    // The agent runs one test at a time: each is queued once the one before ended.
    runTest("job-keep-1", SHARED, { engine: "vllm" });
    expect(await finished("job-keep-1")).toMatchObject({ status: "failed", error: expect.stringContaining(`vllm cannot load ${SHARED}: it is gguf`) as string });
    runTest("job-keep-2", "other/second.gguf", { engine: "vllm" });
    expect(await finished("job-keep-2")).toMatchObject({ status: "failed" });
    expect(await listCopiedModels(modelDir)).toEqual([SHARED, "other/second.gguf"]);

    expect(await command({ command_id: "clean-mine", model: "mine.gguf" })).toEqual({ ok: false, output: "'mine.gguf' is not a model this agent copied; nothing deleted" });
    const bytes = `${formatBytes(size)} (${size} bytes)`;
    expect(await command({ command_id: "clean-one", model: SHARED })).toEqual({ ok: true, output: `deleted the copy of ${SHARED} (${formatBytes(size)})\nfreed ${bytes} in ${modelDir}` });
    expect(await listCopiedModels(modelDir)).toEqual(["other/second.gguf"]);
    expect(await command({ command_id: "clean-all" })).toEqual({ ok: true, output: `deleted the copy of other/second.gguf (${formatBytes(size)})\nfreed ${bytes} in ${modelDir}` });
    expect(await command({ command_id: "clean-nothing" })).toEqual({ ok: true, output: `no copied models to delete in ${modelDir}` });
    expect(await modelDirEntries()).toEqual(PERSONS);
    const after = server.heartbeats.length;
    await server.until(() => server.heartbeats.length > after, 10_000, "a heartbeat after the cleanup");
    expect(server.heartbeats.at(-1)?.free_model_storage_gb).toBeGreaterThan(0);
  }, 120_000);

  it("ends a job whose model leads outside the model directory and the share with a clear error; a person's model stays", async () => {
    await setAutoCleanup(true);
    runTest("job-dotdot", "../outside.gguf");
    expect(await finished("job-dotdot")).toMatchObject({ status: "failed", error: "model reference '../outside.gguf' must be a path inside the model directory, without '..'" });
    runTest("job-absolute", join(home, "outside.gguf"));
    expect(await finished("job-absolute")).toMatchObject({ status: "failed", error: expect.stringContaining("must be a path inside the model directory") as string });
    runTest("job-symlink", "escape.gguf");
    expect(await finished("job-symlink")).toMatchObject({ status: "failed", error: "model reference 'escape.gguf' leads outside the model share" });
    runTest("job-mine", "mine.gguf", { engine: "vllm" });
    expect(await finished("job-mine")).toMatchObject({ status: "failed", error: expect.stringContaining("vllm cannot load mine.gguf") as string });
    expect(logLines("job-mine")).toEqual([]);
    expect(await modelDirEntries()).toEqual(PERSONS);
    expect(server.violations).toEqual([]);
  }, 120_000);
});
