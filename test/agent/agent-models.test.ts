/**
 * Models around an agent's jobs, on real folders: a copy from the share sends a log line, progress
 * events no closer than the throttle allows (the last always) and a verified line; a copy
 * corrupted on disk is refused and leaves nothing; auto-cleanup deletes only what the job copied;
 * `cleanup_storage` deletes one copy or all of them, refuses the running job's model, keeps a
 * person's file and says when there is nothing to delete; an agent restarted after a crash deletes
 * the copy its interrupted job made (only with `auto_cleanup` on).
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentConfigPath, agentDir, saveAgentConfig } from "../../src/agent/agent-config.js";
import { AgentDaemon } from "../../src/agent/agent-daemon.js";
import { AgentState } from "../../src/agent/agent-state.js";
import { cleanupStorage, configuredShare, copyProgress, provideJobModel, releaseJobModel, type JobEventBody } from "../../src/agent/agent-models.js";
import { listCopiedModels } from "../../src/agent/model-source.js";
import { KittError } from "../../src/errors.js";
import { ProtocolServer } from "./protocol-server.js";

let base: string;
let modelDir: string;
let share: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "kitt-agent-models-"));
  modelDir = join(base, "models");
  share = join(base, "share");
  mkdirSync(modelDir);
  mkdirSync(share);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function shareFile(relative: string, bytes: number): void {
  mkdirSync(join(share, relative, ".."), { recursive: true });
  writeFileSync(join(share, relative), randomBytes(bytes));
}

const MIB = 1024 * 1024;
const lines = (events: JobEventBody[]) => events.flatMap((event) => (event.type === "log" ? [event.line] : []));
const progress = (events: JobEventBody[]) => events.flatMap((event) => (event.type === "progress" ? [event] : []));

describe("a job's model on an agent", () => {
  it("copies from the share with a log line, throttled progress and a verified line", async () => {
    shareFile("org/m.gguf", 4 * MIB + 5);
    const events: JobEventBody[] = [];
    const model = await provideJobModel("org/m.gguf", { modelDir, share: { mount: share }, emit: (event) => events.push(event), progressEveryMs: 60_000 });
    expect(model).toMatchObject({ relative: "org/m.gguf", copied: true });
    expect(lines(events)[0]).toBe(`copying model org/m.gguf from the share ${share} (4.0 MiB)`);
    expect(lines(events)[1]).toMatch(/^copied model org\/m\.gguf in \d+\.\d s; size and SHA-256 match the share$/);
    // Several chunks, one event a minute at most: the first and the last.
    expect(progress(events)).toHaveLength(2);
    expect(progress(events)[0]!.completed).toBeLessThan(100);
    expect(progress(events)[1]).toEqual({ type: "progress", test: "model", phase: "copying", completed: 100, total: 100, failed: 0, message: "copying model org/m.gguf … 100 % (4.0 MiB of 4.0 MiB)" });

    const unthrottled: JobEventBody[] = [];
    shareFile("n.gguf", 4 * MIB + 5);
    await provideJobModel("n.gguf", { modelDir, share: { mount: share }, emit: (event) => unthrottled.push(event), progressEveryMs: 0 });
    const percents = progress(unthrottled).map((event) => event.completed);
    expect(percents.length).toBeGreaterThanOrEqual(4);
    expect(percents.every((percent, index) => index === 0 || percent > percents[index - 1]!)).toBe(true);
    expect(percents.at(-1)).toBe(100);
  });

  it("sends nothing for a model already in the model directory", async () => {
    writeFileSync(join(modelDir, "local.gguf"), "weights");
    const events: JobEventBody[] = [];
    expect(await provideJobModel("local.gguf", { modelDir, share: { mount: share }, emit: (event) => events.push(event) })).toMatchObject({ copied: false });
    expect(events).toEqual([]);
  });

  it("refuses a copy corrupted on disk and leaves nothing behind", async () => {
    shareFile("big.gguf", 3 * MIB);
    const corrupt = (event: JobEventBody) => {
      if (event.type !== "progress" || event.completed < 100) return;
      const partial = readdirSync(modelDir).find((name) => name.includes(".kitt-partial-")) as string;
      const fd = openSync(join(modelDir, partial), "r+");
      writeSync(fd, Buffer.from("corrupted"), 0, 9, 0);
      closeSync(fd);
    };
    const error = await provideJobModel("big.gguf", { modelDir, share: { mount: share }, emit: corrupt, progressEveryMs: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KittError);
    expect((error as KittError).code).toBe("DOWNLOAD_FAILED");
    expect((error as KittError).message).toMatch(/the copy of the model file does not match the share.*not placed/);
    expect(readdirSync(modelDir).filter((name) => name !== ".kitt-copies")).toEqual([]);
    expect(await listCopiedModels(modelDir)).toEqual([]);
  });

  it("refuses references that lead outside both roots", async () => {
    writeFileSync(join(base, "outside.gguf"), "secret");
    for (const reference of ["../outside.gguf", "/etc/passwd", "a/../../outside.gguf"]) {
      const error = await provideJobModel(reference, { modelDir, share: { mount: share }, emit: () => undefined }).catch((caught: unknown) => caught);
      expect((error as KittError).code, reference).toBe("USAGE");
      expect((error as KittError).message).toContain("must be a path inside the model directory");
    }
  });

  it("deletes after the run only what the job copied", async () => {
    shareFile("copied.gguf", 1000);
    writeFileSync(join(modelDir, "mine.gguf"), "a person's model");
    const events: JobEventBody[] = [];
    const emit = (event: JobEventBody) => events.push(event);
    const copied = await provideJobModel("copied.gguf", { modelDir, share: { mount: share }, emit });
    const mine = await provideJobModel("mine.gguf", { modelDir, share: { mount: share }, emit });
    await releaseJobModel(mine, modelDir, emit);
    await releaseJobModel(copied, modelDir, emit);
    expect(readdirSync(modelDir).filter((name) => name !== ".kitt-copies")).toEqual(["mine.gguf"]);
    expect(lines(events).at(-1)).toBe("auto_cleanup: deleted the copy of copied.gguf (1000 B)");
  });

  it("cleanup_storage: one copy, all copies bar the running job's, never a person's file, and says when there is nothing", async () => {
    expect(await cleanupStorage(modelDir, undefined, undefined)).toEqual({ ok: true, output: `no copied models to delete in ${modelDir}` });
    shareFile("a.gguf", 2048);
    shareFile("dir/b.gguf", 1024);
    shareFile("c.gguf", 10);
    writeFileSync(join(modelDir, "mine.gguf"), "a person's model");
    for (const model of ["a.gguf", "dir/b.gguf", "c.gguf"]) await provideJobModel(model, { modelDir, share: { mount: share }, emit: () => undefined });

    expect(await cleanupStorage(modelDir, "mine.gguf", undefined)).toEqual({ ok: false, output: "'mine.gguf' is not a model this agent copied; nothing deleted" });
    expect(await cleanupStorage(modelDir, "./c.gguf", { jobId: "job-1", model: "c.gguf" })).toEqual({ ok: false, output: "c.gguf is in use by the running job job-1; nothing deleted" });
    expect(await cleanupStorage(modelDir, "../c.gguf", undefined)).toMatchObject({ ok: false, output: expect.stringContaining("must be a path inside the model directory") as string });
    expect(await cleanupStorage(modelDir, "a.gguf", undefined)).toEqual({ ok: true, output: `deleted the copy of a.gguf (2.0 KiB)\nfreed 2.0 KiB (2048 bytes) in ${modelDir}` });
    expect(existsSync(join(modelDir, "a.gguf"))).toBe(false);

    const all = await cleanupStorage(modelDir, undefined, { jobId: "job-1", model: "c.gguf" });
    expect(all).toEqual({ ok: true, output: ["deleted the copy of dir/b.gguf (1.0 KiB)", "kept the copy of c.gguf: the running job job-1 uses it", `freed 1.0 KiB (1024 bytes) in ${modelDir}`].join("\n") });
    expect(await listCopiedModels(modelDir)).toEqual(["c.gguf"]);
    expect(await cleanupStorage(modelDir, undefined, undefined)).toMatchObject({ ok: true, output: expect.stringContaining("deleted the copy of c.gguf (10 B)") as string });
    expect(readdirSync(modelDir).filter((name) => name !== ".kitt-copies")).toEqual(["mine.gguf"]);
  });

  it("formats progress and reads the share from agent.yaml's fields", () => {
    expect(copyProgress("m.gguf", 1.2e9, 2.6e9)).toMatchObject({ completed: 46, total: 100, message: "copying model m.gguf … 46 % (1.1 GiB of 2.4 GiB)" });
    expect(configuredShare({})).toBeUndefined();
    expect(configuredShare({ share_mount: "/mnt/models" })).toEqual({ mount: "/mnt/models" });
    expect(configuredShare({ share_source: "nas:/models", share_mount: "/mnt/models" })).toEqual({ mount: "/mnt/models", source: "nas:/models", autoMount: true });
  });

  it.each([true, false])("an agent restarted after a crash deletes the copy its interrupted job made, only with auto_cleanup on (on: %s)", async (autoCleanup) => {
    const home = join(base, "home");
    const env = { ...process.env, KITT_HOME: home };
    const previousHome = process.env.KITT_HOME;
    // Leftover-engine records live under KITT_HOME/run: the recovery reads this process's KITT_HOME.
    process.env.KITT_HOME = home;
    try {
      await using server = await ProtocolServer.start();
      await saveAgentConfig(
        { server: server.url, agent_id: server.agentId, token: server.token, name: "box", model_dir: modelDir, share_mount: share, settings: { heartbeat_interval_s: 10, auto_cleanup: autoCleanup } },
        agentConfigPath(env),
      );
      shareFile("org/m.gguf", 5000);
      writeFileSync(join(modelDir, "mine.gguf"), "a person's model");
      await provideJobModel("org/m.gguf", { modelDir, share: { mount: share }, emit: () => undefined });
      const state = await AgentState.open(agentDir(env));
      await state.update((data) => {
        data.jobs.push({ job_id: "job-crashed", status: "running", engine: "llama_cpp", model: "org/m.gguf", started_at: new Date().toISOString(), ended_at: null, run_id: null, error: null, copied_model: "org/m.gguf" });
      });
      const said: string[] = [];
      await using _daemon = await AgentDaemon.start({ env, heartbeatMs: 200, retryMs: 200, log: (line) => said.push(line) });
      await server.until(() => server.finishes.has("job-crashed"), 30_000, "job-crashed's finish");
      expect(server.finishes.get("job-crashed")).toMatchObject({ status: "interrupted" });
      if (autoCleanup) {
        expect(said).toContain("job job-crashed: auto_cleanup: deleted the copy of org/m.gguf (4.9 KiB)");
        expect(readdirSync(modelDir).filter((name) => name !== ".kitt-copies")).toEqual(["mine.gguf"]);
      } else {
        expect(await listCopiedModels(modelDir)).toEqual(["org/m.gguf"]);
      }
    } finally {
      if (previousHome === undefined) delete process.env.KITT_HOME;
      else process.env.KITT_HOME = previousHome;
    }
  }, 60_000);
});
