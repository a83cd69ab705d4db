/**
 * Quick-test jobs through the `kitt web` API against the real llama-server and the tiny model: a
 * job runs `kitt run` to completion and its run is stored under the job's run id, its events
 * stream live over SSE, a job cancelled mid-run leaves no engine process, requests for a model
 * outside the model directory or an engine that cannot load it are refused, and a runner started
 * after a server died marks that server's running job interrupted.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SequencedJobEvent } from "../../src/server/jobs/job-events.js";
import { JobRunner } from "../../src/server/jobs/job-runner.js";
import { currentOwner, processStartTime } from "../../src/runtime/process-owner.js";
import { jobOwnerToken, type JobRecord } from "../../src/store/jobs.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { startKitt, tempKittHome } from "../support/cli.js";
import { containersOf, imageExists } from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { llamaServersOnPort, runningProcesses } from "../support/processes.js";
import { startTestServer, type TestServer } from "./support.js";

const llama = await requireLlamaServer();
const docker = llama && (await requireDocker());
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : docker ? unavailable(LLAMA_CPP_IMAGE, "image not built: run `kitt engines setup llama_cpp --build`") : undefined;
const TOKEN = "jobs-test-token";
const MODEL = "kitt-tiny-llama.gguf";

describe.skipIf(!llama)("kitt web jobs on the real llama-server", () => {
  let home: string;
  let modelDir: string;
  let store: ResultsStore;
  let runner: JobRunner;
  let web: TestServer;

  beforeAll(async () => {
    home = tempKittHome();
    modelDir = join(home, "models");
    await mkdir(join(modelDir, "hf-model"), { recursive: true });
    await copyFile(await ensureTestModel(), join(modelDir, MODEL));
    await writeFile(join(modelDir, "hf-model", "model.safetensors"), "");
    await writeFile(join(modelDir, "hf-model", "config.json"), "{}");
    // A link inside the directory to a model outside it.
    await symlink(await ensureTestModel(), join(modelDir, "elsewhere.gguf"));
    store = await openStore({ url: join(home, "kitt.db") });
    runner = await JobRunner.start({ store, env: { ...process.env, KITT_HOME: home }, modelDir: () => modelDir, resultsDir: () => join(home, "job-results"), pollMs: 200, stopGraceMs: 20_000 });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, jobs: runner });
  }, 60_000);
  afterAll(async () => {
    await web?.server.close();
    await runner?.close();
    await store?.close();
  });

  const post = (path: string, body?: unknown) =>
    web.fetch(path, { method: "POST", token: TOKEN, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const getJob = async (id: string) => (await (await web.fetch(`/api/v1/jobs/${id}`, { token: TOKEN })).json()) as JobRecord;
  const submit = async (body: unknown): Promise<JobRecord> => {
    const response = await post("/api/v1/jobs", body);
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as JobRecord;
  };

  /** Reads a job's SSE stream, calling `onEvent` for each event, until the stream ends. */
  async function watch(id: string, onEvent: (event: SequencedJobEvent, eventId: string | undefined) => void | Promise<void> = () => undefined): Promise<SequencedJobEvent[]> {
    const response = await fetch(`${web.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(120_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events: SequencedJobEvent[] = [];
    const pending: Array<void | Promise<void>> = [];
    const parser = createParser({
      onEvent: (message) => {
        if (message.event === "ping") return;
        const event = JSON.parse(message.data) as SequencedJobEvent;
        expect(event.type).toBe(message.event);
        events.push(event);
        pending.push(onEvent(event, message.id));
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    await Promise.all(pending);
    return events;
  }

  /** The first event after the opening status of a job's stream, opened with `Last-Event-ID` when given. */
  async function firstEventAfterStatus(id: string, lastEventId?: string): Promise<SequencedJobEvent> {
    const reading = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }) };
    const response = await fetch(`${web.url}/api/v1/jobs/${id}/events`, { headers, signal: reading.signal });
    const events: SequencedJobEvent[] = [];
    const parser = createParser({ onEvent: (message) => void (message.event !== "ping" && events.push(JSON.parse(message.data) as SequencedJobEvent)) });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body!) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        if (events.length >= 2) break;
      }
    } finally {
      reading.abort();
    }
    expect(events[0]).toMatchObject({ type: "status", seq: 0 });
    return events[1]!;
  }

  it("runs a quick test to completion, streams its progress and log lines, and stores its run under the job's run id", async () => {
    const port = await freePort();
    const job = await submit({ model: MODEL, engine: "llama_cpp", runtime: "native", suite: "quick", options: { port } });
    expect(job).toMatchObject({ status: "queued", kind: "quick-test", run_id: null, request: { model: MODEL, engine: "llama_cpp", runtime: "native" } });

    // A viewer that never reads its stream must not hold the job up.
    const idleViewer = new AbortController();
    const idle = await fetch(`${web.url}/api/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: idleViewer.signal });
    expect(idle.status).toBe(200);
    const events = await watch(job.id);
    idleViewer.abort();
    const statuses = events.filter((event) => event.type === "status").map((event) => event.job.status);
    expect(statuses.at(-1)).toBe("completed");
    const lines = events.flatMap((event) => (event.type === "log" ? [event.line] : []));
    expect(lines.join("\n")).toContain("engine ready");
    const progress = events.filter((event) => event.type === "progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ test: "throughput", phase: "measure" });
    expect(progress.every((event) => event.completed <= event.total)).toBe(true);
    const run = events.find((event) => event.type === "run");
    expect(run?.run_id).toMatch(/^[0-9a-f-]{36}$/);
    // The results folder lands under the runner's results directory (the `results_dir` setting in kitt web).
    expect(run?.results_dir.startsWith(join(home, "job-results") + "/")).toBe(true);
    // Sequence numbers only grow (status events from the store carry 0).
    const seqs = events.map((event) => event.seq).filter((seq) => seq > 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const finished = await getJob(job.id);
    expect(finished).toMatchObject({ status: "completed", exit_code: 0, error: null, run_id: run?.run_id });
    const stored = await store.getRun(finished.run_id!);
    expect(stored).toMatchObject({ status: "completed", engine: "llama_cpp", model: MODEL, runtime: "native" });
    expect(stored?.benchmarks.map((test) => test.test_name)).toEqual(["throughput"]);
    expect(await readFile(finished.log_path!, "utf8")).toContain("engine ready");
    expect(llamaServersOnPort(port)).toEqual([]);

    // A finished job's stream is its final status, at once.
    const replay = await watch(job.id);
    expect(replay.map((event) => event.type)).toEqual(["status"]);
    const listed = (await (await web.fetch("/api/v1/jobs?status=completed", { token: TOKEN })).json()) as { jobs: JobRecord[] };
    expect(listed.jobs.map((entry) => entry.id)).toContain(job.id);
  }, 180_000);

  it("cancels a running job like Ctrl+C: no engine process left, the partial run kept; a queued job is cancelled at once", async () => {
    const port = await freePort();
    const job = await submit({ model: MODEL, engine: "llama_cpp", runtime: "native", tests: ["throughput"], options: { port, runs: 50 } });
    const queuedPort = await freePort();
    const queued = await submit({ model: MODEL, engine: "llama_cpp", runtime: "native", options: { port: queuedPort } });
    let enginePids: number[] = [];
    let cancelled = false;
    const events = await watch(job.id, async (event, eventId) => {
      if (event.type !== "progress" || cancelled) return;
      cancelled = true;
      enginePids = llamaServersOnPort(port);
      // A new viewer gets the job's story from its start; one reconnecting with Last-Event-ID only what came after.
      expect((await firstEventAfterStatus(job.id)).seq).toBeLessThan(event.seq);
      expect(eventId).toMatch(/^[0-9a-f]{8}-\d+$/);
      expect((await firstEventAfterStatus(job.id, eventId)).seq).toBeGreaterThan(event.seq);
      // One job at a time: the second waits.
      expect((await getJob(queued.id)).status).toBe("queued");
      const response = await post(`/api/v1/jobs/${job.id}/cancel`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as JobRecord).cancel_requested).toBe(true);
    });
    expect(cancelled).toBe(true);
    expect(enginePids).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "status", job: { status: "cancelled" } });

    expect(llamaServersOnPort(port)).toEqual([]);
    expect(processStartTime(enginePids[0]!)).toBeUndefined();
    // kitt's own record of its native engines is gone too: nothing for `kitt engines cleanup`.
    expect(await readdir(join(home, "run")).catch(() => [])).toEqual([]);
    const ended = await getJob(job.id);
    expect(ended.status).toBe("cancelled");
    expect(ended.run_id).not.toBeNull();
    expect((await store.getRun(ended.run_id!))?.status).toBe("interrupted");

    const response = await post(`/api/v1/jobs/${queued.id}/cancel`);
    const maybeQueued = (await response.json()) as JobRecord;
    // It may have started in the meantime; either way it ends cancelled and leaves nothing behind.
    const final = maybeQueued.started_at === null ? maybeQueued : (await watch(queued.id)).at(-1);
    expect(final).toMatchObject(maybeQueued.started_at === null ? { status: "cancelled", run_id: null } : { type: "status", job: { status: "cancelled" } });
    expect(llamaServersOnPort(queuedPort)).toEqual([]);
  }, 180_000);

  it.skipIf(!image)("cancelling a job whose engine runs in Docker leaves no container", async () => {
    const port = await freePort();
    const job = await submit({ model: MODEL, engine: "llama_cpp", runtime: "docker", tests: ["throughput"], options: { port, runs: 50, gpus: "none" } });
    let kittPid: number | undefined;
    let containers: string[] = [];
    const events = await watch(job.id, async (event) => {
      if (event.type !== "progress" || kittPid !== undefined) return;
      kittPid = runningProcesses((argv) => argv.includes("run") && argv.includes("--port") && argv.includes(String(port)))[0];
      containers = kittPid === undefined ? [] : containersOf(kittPid);
      expect((await post(`/api/v1/jobs/${job.id}/cancel`)).status).toBe(200);
    });
    expect(containers).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "status", job: { status: "cancelled" } });
    expect(containersOf(kittPid!)).toEqual([]);
  }, 180_000);

  it("refuses a model outside the model directory, an engine that cannot load the model, and unknown tests, with 400", async () => {
    const refusals: Array<[unknown, RegExp]> = [
      [{ model: "../kitt.db", engine: "llama_cpp", runtime: "native" }, /without '\.\.'/],
      [{ model: "/etc/passwd", engine: "llama_cpp", runtime: "native" }, /inside the model directory/],
      [{ model: "elsewhere.gguf", engine: "llama_cpp", runtime: "native" }, /outside the model directory/],
      [{ model: "missing.gguf", engine: "llama_cpp", runtime: "native" }, /no model 'missing.gguf'/],
      [{ model: "hf-model", engine: "llama_cpp", runtime: "native" }, /llama_cpp cannot load hf-model: it is safetensors/],
      [{ model: MODEL, engine: "vllm" }, /vllm cannot load .*gguf/],
      [{ model: MODEL, engine: "llama_cpp", tests: ["no-such-test"] }, /unknown test no-such-test/],
      [{ model: MODEL, engine: "llama_cpp", suite: "../../etc/passwd" }, /suite/],
      [{ model: MODEL, engine: "llama_cpp", suite: "nosuchsuite" }, /unknown suite nosuchsuite/],
      [{ model: MODEL, engine: "no-engine" }, /engine/],
      [{ model: MODEL, engine: "llama_cpp", options: { engine_arg: "--foo" } }, /options/],
      [{ model: MODEL, engine: "llama_cpp", runtime: "endpoint" }, /url/],
      [{ model: MODEL, engine: "llama_cpp", runtime: "endpoint", url: "file:///etc/passwd" }, /url/],
    ];
    const before = (await (await web.fetch("/api/v1/jobs?limit=500", { token: TOKEN })).json()) as { jobs: JobRecord[] };
    for (const [body, message] of refusals) {
      const response = await post("/api/v1/jobs", body);
      const text = await response.text();
      expect(response.status, `${JSON.stringify(body)}: ${text}`).toBe(400);
      expect((JSON.parse(text) as { error: string }).error, JSON.stringify(body)).toMatch(message);
    }
    const after = (await (await web.fetch("/api/v1/jobs?limit=500", { token: TOKEN })).json()) as { jobs: JobRecord[] };
    expect(after.jobs).toHaveLength(before.jobs.length);

    // Paged one at a time through next_cursor: the same jobs, in the same order.
    const paged: string[] = [];
    let next: string | null = "";
    while (next !== null) {
      const page = (await (await web.fetch(`/api/v1/jobs?limit=1${next ? `&cursor=${next}` : ""}`, { token: TOKEN })).json()) as { jobs: JobRecord[]; next_cursor: string | null };
      paged.push(...page.jobs.map((job) => job.id));
      next = page.next_cursor;
    }
    expect(paged).toEqual(after.jobs.map((job) => job.id));
  });

  it("a runner started after a server died marks that server's running job interrupted", async () => {
    const orphanStore = await openStore({ url: join(home, "kitt.db") });
    try {
      // Running, owned by a process that has since died: a server killed mid-job.
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
      await once(child, "spawn");
      const dead = { ...currentOwner()!, pid: child.pid!, startTime: processStartTime(child.pid!)! };
      child.kill("SIGKILL");
      await once(child, "exit");
      const orphan = { id: randomUUID() };
      await orphanStore.db
        .insertInto("jobs")
        .values({ id: orphan.id, kind: "quick-test", status: "running", request: "{}", assigned_to: null, owner_token: jobOwnerToken(dead), cancel_requested: 0, run_id: null, log_path: null, exit_code: null, error: null, created_at: Date.now(), started_at: Date.now(), finished_at: null })
        .execute();

      await using restarted = await JobRunner.start({ store: orphanStore, env: { ...process.env, KITT_HOME: home }, modelDir: () => modelDir });
      expect(restarted).toBeInstanceOf(JobRunner);
      expect(await getJob(orphan.id)).toMatchObject({ status: "interrupted", error: expect.stringContaining("stopped") });
    } finally {
      await orphanStore.close();
    }
  });

  it("a kitt web killed mid-job takes its kitt run and engine down with it, and on restart the job reads interrupted with its run kept", async () => {
    const killedHome = tempKittHome();
    await mkdir(join(killedHome, "models"));
    await copyFile(await ensureTestModel(), join(killedHome, "models", MODEL));
    const enginePort = await freePort();
    const start = async () => {
      const web = startKitt(["web", "--port", "0", "--auth-token", TOKEN], { KITT_HOME: killedHome });
      const url = (await web.waitFor(/serving http:\/\/\S+/, 30_000)).slice("serving ".length);
      const call = (path: string, init: RequestInit = {}) =>
        fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, signal: AbortSignal.timeout(10_000) });
      return { web, call };
    };
    const first = await start();
    const created = await first.call("/api/v1/jobs", { method: "POST", body: JSON.stringify({ model: MODEL, engine: "llama_cpp", runtime: "native", tests: ["throughput"], options: { port: enginePort, runs: 50 } }) });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = (await created.json()) as JobRecord;
    const runningJob = await until(async () => {
      const job = (await (await first.call(`/api/v1/jobs/${id}`)).json()) as JobRecord;
      return job.run_id !== null && llamaServersOnPort(enginePort).length === 1 ? job : undefined;
    });
    const kittRuns = () => runningProcesses((argv) => argv.includes("run") && argv.includes(join(killedHome, "models", MODEL)));
    expect(kittRuns()).toHaveLength(1);

    first.web.child.kill("SIGKILL");
    await first.web.done;
    await until(async () => (llamaServersOnPort(enginePort).length === 0 && kittRuns().length === 0 ? true : undefined));

    const second = await start();
    try {
      const job = (await (await second.call(`/api/v1/jobs/${id}`)).json()) as JobRecord;
      expect(job).toMatchObject({ status: "interrupted", run_id: runningJob.run_id });
      const run = (await (await second.call(`/api/v1/runs/${runningJob.run_id}`)).json()) as { status: string; stop_reason: string };
      // Stopped by the run itself, as on Ctrl+C, not found dead later.
      expect(run).toMatchObject({ status: "interrupted", stop_reason: "interrupted by SIGINT" });
    } finally {
      second.web.child.kill("SIGINT");
      await second.web.done;
    }
  }, 120_000);
});

/** Polls `check` every 200 ms until it returns a value, for at most 60 s. */
async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
