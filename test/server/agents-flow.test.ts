/**
 * An agent's life over HTTP, on SQLite and PostgreSQL, spoken with the protocol's own schemas:
 * register → heartbeat → a job dispatched to it → its events (live to a browser's SSE stream,
 * a batch sent twice taken once) → finish → results upload (stored once under the agent's run
 * id, however often retried). Then what must be refused: agent B acting on agent A's job, agent
 * tokens on people's routes and people's credentials on agent routes, revoked and rotated-away
 * tokens; and recovery: a database reset answered `unknown_agent`, re-registering with the
 * token, and an agent gone silent shown offline with its job `lost`.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepSilentAgents } from "../../src/server/agents/agent-liveness.js";
import { agentPaths, CommandsWaitResponseSchema, UNKNOWN_AGENT } from "../../src/server/agents/agent-protocol.js";
import { PUBLIC_PATHS } from "../../src/server/app.js";
import type { SequencedJobEvent } from "../../src/server/jobs/job-events.js";
import type { JobRecord } from "../../src/store/jobs.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "../store/backends.js";
import { enrolWithCode, heartbeat, idleBeat, postJson, registration, resultsTarball, uploadResults } from "./agent-support.js";
import { concretePath, registeredRoutes, startTestServer, type TestServer } from "./support.js";

const backends = await allBackends();
const TOKEN = "agents-flow-token";
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

const quickTest = { engine: "llama_cpp", model: "kitt-tiny-llama.gguf", runtime: "native", suite: "quick" };

describe.each(backends)("agents over HTTP on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  let store: ResultsStore;
  let web: TestServer;
  let home: string;

  beforeAll(async () => {
    if (!backend.available) return;
    store = await openStore({ url: await backend.freshUrl() });
    home = await mkdtemp(join(tmpdir(), "kitt-agents-home-"));
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env: { KITT_HOME: home }, maxResultsUploadBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
  });

  const enrolled = async (name: string) => {
    const made = await postJson(web, "/api/v1/agents/enrolments", { name }, TOKEN);
    expect(made.status).toBe(201);
    return enrolWithCode(web, ((await made.json()) as { code: string }).code, name);
  };
  const human = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const response = await web.fetch(path, { method: init.method ?? "GET", token: TOKEN, headers: { "content-type": "application/json" }, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    expect(response.status, `${init.method ?? "GET"} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
    return (await response.json()) as T;
  };
  const dispatch = (target: string) => human<JobRecord>("/api/v1/jobs", { method: "POST", body: { ...quickTest, target } });

  /** Reads a job's SSE stream until it ends, telling `onEvent` each event. */
  async function watch(jobId: string, onEvent: (event: SequencedJobEvent) => Promise<void> | void): Promise<SequencedJobEvent[]> {
    const response = await fetch(`${web.url}/api/v1/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(200);
    const events: SequencedJobEvent[] = [];
    let chain = Promise.resolve();
    const parser = createParser({
      onEvent: (message) => {
        if (message.event === "ping") return;
        const event = JSON.parse(message.data) as SequencedJobEvent;
        events.push(event);
        chain = chain.then(() => onEvent(event));
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    await chain;
    return events;
  }

  test("register, heartbeat, a dispatched job's events live in the browser's stream, finish, and one stored run however often the upload is retried", async () => {
    const agent = await enrolled("gpu-flow");
    expect(agent.token).toMatch(/^kitt_agent_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}_[A-Za-z0-9_-]{43}$/);
    const row = await store.db.selectFrom("agents").selectAll().where("id", "=", agent.agent_id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash("sha256").update(agent.token).digest("hex"));
    expect(JSON.stringify(await store.db.selectFrom("agents").selectAll().execute())).not.toContain(agent.token.slice(48));

    const first = await heartbeat(web, agent.token);
    expect(first).toEqual({ commands: [], settings: { heartbeat_interval_s: 30, auto_cleanup: true } });
    const listed = await human<{ agents: Array<{ id: string; status: string; hardware: unknown; last_status: unknown; token_prefix: string }> }>("/api/v1/agents");
    const shown = listed.agents.find((a) => a.id === agent.agent_id)!;
    expect(shown).toMatchObject({ status: "idle", hardware: registration("x").hardware, last_status: { free_model_storage_gb: 512 } });
    expect(agent.token.startsWith(shown.token_prefix.split("…")[0]!)).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(agent.token.slice(48));

    // Settings changed by a person reach the agent with its next heartbeat; out of range is refused.
    expect((await web.fetch(`/api/v1/agents/${agent.agent_id}`, { method: "PATCH", token: TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify({ heartbeat_interval_s: 5 }) })).status).toBe(400);
    await human(`/api/v1/agents/${agent.agent_id}`, { method: "PATCH", body: { heartbeat_interval_s: 10 } });

    const job = await dispatch(agent.agent_id);
    expect(job).toMatchObject({ status: "queued", assigned_to: agent.agent_id });
    const beat = await heartbeat(web, agent.token);
    expect(beat.settings.heartbeat_interval_s).toBe(10);
    expect(beat.commands).toEqual([{ type: "run_test", command_id: expect.any(String) as string, job_id: job.id, request: { ...quickTest, options: {} } }]);
    expect((await heartbeat(web, agent.token)).commands).toEqual([]);
    expect((await postJson(web, agentPaths.commandResult(beat.commands[0]!.command_id), { ok: true, output: "started" }, agent.token)).status).toBe(200);

    const upload = await resultsTarball();
    const events = [
      { seq: 1, type: "log", stream: "stderr", line: "kitt: starting llama_cpp" },
      { seq: 2, type: "progress", test: "throughput", phase: "measure", completed: 1, total: 2, failed: 0 },
      { seq: 3, type: "run", run_id: upload.runId },
    ];
    const seen = watch(job.id, async (event) => {
      // Once the stream shows the job running, the agent reports; the stream sees it live.
      if (event.type === "status" && event.job.status === "queued") {
        const taken = await postJson(web, agentPaths.jobEvents(job.id), { events }, agent.token);
        expect(await taken.json()).toEqual({ taken: 3 });
        // The same batch again (a retry): nothing taken twice.
        expect(await (await postJson(web, agentPaths.jobEvents(job.id), { events }, agent.token)).json()).toEqual({ taken: 0 });
        const more = await postJson(web, agentPaths.jobEvents(job.id), { events: [{ seq: 3, type: "log", stream: "stdout", line: "dup" }, { seq: 4, type: "log", stream: "stdout", line: "done" }] }, agent.token);
        expect(await more.json()).toEqual({ taken: 1 });
        const finish = await postJson(web, agentPaths.jobFinish(job.id), { status: "completed", exit_code: 0, error: null, run_id: upload.runId }, agent.token);
        expect(await finish.json()).toEqual({ status: "completed" });
      }
    });
    const streamed = await seen;
    expect(streamed.flatMap((e) => (e.type === "log" ? [e.line] : []))).toEqual(["kitt: starting llama_cpp", "done"]);
    expect(streamed.filter((e) => e.type === "progress")).toHaveLength(1);
    expect(streamed.find((e) => e.type === "run")).toMatchObject({ run_id: upload.runId });
    // (The running status may come before the stream subscribed: statuses are the store's to replay.)
    const statuses = streamed.flatMap((e) => (e.type === "status" ? [e.job.status] : []));
    expect([statuses[0], statuses.at(-1)]).toEqual(["queued", "completed"]);
    // The log file the job page reads has the lines once each.
    expect(await readFile(join(home, "jobs", `${job.id}.log`), "utf8")).toBe("kitt: starting llama_cpp\ndone\n");

    const stored = await uploadResults(web, agent.token, job.id, upload);
    expect(stored.status, await stored.clone().text()).toBe(200);
    expect(await stored.json()).toEqual({ run_id: upload.runId, outcome: "imported" });
    for (let retry = 0; retry < 2; retry++) {
      const again = await uploadResults(web, agent.token, job.id, upload);
      expect(await again.json()).toEqual({ run_id: upload.runId, outcome: "already stored" });
    }
    expect((await store.db.selectFrom("runs").select("id").where("id", "=", upload.runId).execute()).length).toBe(1);
    expect((await store.db.selectFrom("runs").select("id").execute()).length).toBe(1);
    const run = await human<{ id: string; hardware: unknown }>(`/api/v1/runs/${upload.runId}`);
    expect(run.hardware).not.toBeNull();
    expect(await human<JobRecord>(`/api/v1/jobs/${job.id}`)).toMatchObject({ status: "completed", run_id: upload.runId, exit_code: 0 });
  }, 60_000);

  test("agent B can neither read, report on, finish, upload to nor cancel agent A's job; tokens never cross between people's and agents' routes", async () => {
    const a = await enrolled("gpu-a");
    const b = await enrolled("gpu-b");
    const job = await dispatch(a.agent_id);
    const log = { events: [{ seq: 1, type: "log", stream: "stdout", line: "from b" }] };
    expect((await postJson(web, agentPaths.jobEvents(job.id), log, b.token)).status).toBe(404);
    expect((await postJson(web, agentPaths.jobFinish(job.id), { status: "failed", exit_code: 1, error: "b", run_id: null }, b.token)).status).toBe(404);
    const upload = await resultsTarball();
    expect((await uploadResults(web, b.token, job.id, upload)).status).toBe(404);
    expect((await heartbeat(web, b.token)).commands).toEqual([]);
    const aCommand = (await heartbeat(web, a.token)).commands[0]!;
    expect((await postJson(web, agentPaths.commandResult(aCommand.command_id), { ok: false, output: "b says no" }, b.token)).status).toBe(404);
    expect(await human<JobRecord>(`/api/v1/jobs/${job.id}`)).toMatchObject({ status: "queued", run_id: null });
    expect((await store.db.selectFrom("runs").select("id").where("id", "=", upload.runId).execute()).length).toBe(0);

    // An agent token on every route people use: refused (403), even the ones that only read.
    for (const { method, path } of registeredRoutes(web.app)) {
      if (PUBLIC_PATHS.has(path) || path.startsWith("/api/v1/agent/")) continue;
      const response = await web.fetch(concretePath(path, job.id), { method, token: a.token, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    // A person's token or session on agent routes: refused (403).
    expect((await postJson(web, agentPaths.heartbeat, idleBeat, TOKEN)).status).toBe(403);
    const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect(cookie).toMatch(/^kitt_session=/);
    expect((await web.fetch(agentPaths.heartbeat, { method: "POST", headers: { cookie, origin: web.url, "content-type": "application/json" }, body: JSON.stringify(idleBeat) })).status).toBe(403);
    // Nothing at all, or a forged token: 401.
    expect((await postJson(web, agentPaths.heartbeat, idleBeat)).status).toBe(401);
    const forged = `${a.token.slice(0, -4)}AAAA`;
    expect((await postJson(web, agentPaths.heartbeat, idleBeat, forged)).status).toBe(401);
  });

  test("cancelling an agent's job queues a stop for the agent, which ends it; a job still waiting to be handed out is withdrawn", async () => {
    const agent = await enrolled("gpu-cancel");
    const waiting = await dispatch(agent.agent_id);
    expect(await human<JobRecord>(`/api/v1/jobs/${waiting.id}/cancel`, { method: "POST" })).toMatchObject({ status: "cancelled" });
    expect((await heartbeat(web, agent.token)).commands).toEqual([]);

    // Handed out, but the agent has not said it runs it: it stays the agent's to end, engine stopped.
    const taken = await dispatch(agent.agent_id);
    expect((await heartbeat(web, agent.token)).commands.map((c) => c.type)).toEqual(["run_test"]);
    expect(await human<JobRecord>(`/api/v1/jobs/${taken.id}/cancel`, { method: "POST" })).toMatchObject({ status: "queued", cancel_requested: true });
    expect((await heartbeat(web, agent.token, { ...idleBeat, status: "busy", running_job: taken.id })).commands).toEqual([{ type: "stop", command_id: expect.any(String) as string, job_id: taken.id }]);
    await postJson(web, agentPaths.jobFinish(taken.id), { status: "cancelled", exit_code: 130, error: null, run_id: null }, agent.token);
    expect(await human<JobRecord>(`/api/v1/jobs/${taken.id}`)).toMatchObject({ status: "cancelled" });

    const running = await dispatch(agent.agent_id);
    expect((await heartbeat(web, agent.token)).commands.map((c) => c.type)).toEqual(["run_test"]);
    expect((await heartbeat(web, agent.token, { ...idleBeat, status: "busy", running_job: running.id })).commands).toEqual([]);
    expect(await human<JobRecord>(`/api/v1/jobs/${running.id}`)).toMatchObject({ status: "running" });
    expect(await human<JobRecord>(`/api/v1/jobs/${running.id}/cancel`, { method: "POST" })).toMatchObject({ status: "running", cancel_requested: true });
    expect((await heartbeat(web, agent.token, { ...idleBeat, status: "busy", running_job: running.id })).commands).toEqual([{ type: "stop", command_id: expect.any(String) as string, job_id: running.id }]);
    await postJson(web, agentPaths.jobFinish(running.id), { status: "cancelled", exit_code: 130, error: null, run_id: null }, agent.token);
    expect(await human<JobRecord>(`/api/v1/jobs/${running.id}`)).toMatchObject({ status: "cancelled" });
  });

  test("people queue check_docker, setup_engine and cleanup_storage; the agent gets at most 4 per heartbeat, each once, and its answers are listed", async () => {
    const agent = await enrolled("gpu-commands");
    const queued: string[] = [];
    for (const body of [{ type: "check_docker" }, { type: "setup_engine", engine: "llama_cpp" }, { type: "cleanup_storage", model: "copies/tiny.gguf" }, { type: "cleanup_storage" }, { type: "check_docker" }]) {
      queued.push((await human<{ id: string }>(`/api/v1/agents/${agent.agent_id}/commands`, { method: "POST", body })).id);
    }
    for (const bad of [{ type: "run_test" }, { type: "setup_engine", engine: "x; rm -rf /" }, { type: "stop", job_id: "x" }]) {
      expect((await postJson(web, `/api/v1/agents/${agent.agent_id}/commands`, bad, TOKEN)).status).toBe(400);
    }
    const first = await heartbeat(web, agent.token);
    expect(first.commands).toEqual([
      { type: "check_docker", command_id: queued[0] },
      { type: "setup_engine", command_id: queued[1], engine: "llama_cpp" },
      { type: "cleanup_storage", command_id: queued[2], model: "copies/tiny.gguf" },
      { type: "cleanup_storage", command_id: queued[3] },
    ]);
    expect((await heartbeat(web, agent.token)).commands).toEqual([{ type: "check_docker", command_id: queued[4] }]);
    expect((await heartbeat(web, agent.token)).commands).toEqual([]);
    expect((await postJson(web, agentPaths.commandResult(queued[0]!), { ok: false, output: "docker: not found\u0000" }, agent.token)).status).toBe(200);
    const listed = await human<{ commands: Array<{ id: string; ok: boolean | null; output: string | null; delivered_at: number | null }> }>(`/api/v1/agents/${agent.agent_id}/commands`);
    expect(listed.commands.map((c) => c.id)).toEqual([...queued].reverse());
    expect(listed.commands.find((c) => c.id === queued[0])).toMatchObject({ ok: false, output: "docker: not found" });
    expect(listed.commands.every((c) => c.delivered_at !== null)).toBe(true);
  });

  test("heartbeats of one agent at the same time hand each queued command out once", async () => {
    const agent = await enrolled("gpu-concurrent");
    const queued: string[] = [];
    for (let i = 0; i < 8; i++) queued.push((await human<{ id: string }>(`/api/v1/agents/${agent.agent_id}/commands`, { method: "POST", body: { type: "check_docker" } })).id);
    const beats = await Promise.all(Array.from({ length: 6 }, () => heartbeat(web, agent.token)));
    // Those that lost the race for a command may leave it to a later heartbeat.
    for (let more = await heartbeat(web, agent.token); more.commands.length > 0; more = await heartbeat(web, agent.token)) beats.push(more);
    const handed = beats.flatMap((beat) => beat.commands.map((command) => command.command_id));
    expect(handed.toSorted()).toEqual(queued.toSorted());
    expect(beats.every((beat) => beat.commands.length <= 4)).toBe(true);
  });

  test("an agent gets one test at a time: none while it says it is busy, the next once it is idle again", async () => {
    const agent = await enrolled("gpu-one-at-a-time");
    const first = await dispatch(agent.agent_id);
    const second = await dispatch(agent.agent_id);
    const check = await human<{ id: string }>(`/api/v1/agents/${agent.agent_id}/commands`, { method: "POST", body: { type: "check_docker" } });
    const tests = (beat: Awaited<ReturnType<typeof heartbeat>>) => beat.commands.filter((command) => command.type === "run_test").map((command) => (command as { job_id: string }).job_id);

    const idle = await heartbeat(web, agent.token);
    expect(tests(idle)).toEqual([first.id]);
    // The commands queued behind the waiting test still go out.
    expect(idle.commands.map((command) => command.command_id)).toContain(check.id);
    const busy = { ...idleBeat, status: "busy", running_job: first.id };
    expect(tests(await heartbeat(web, agent.token, busy))).toEqual([]);
    expect((await human<JobRecord>(`/api/v1/jobs/${second.id}`)).status).toBe("queued");
    await postJson(web, agentPaths.jobFinish(first.id), { status: "failed", exit_code: 1, error: "engine did not start", run_id: null }, agent.token);
    expect(tests(await heartbeat(web, agent.token))).toEqual([second.id]);
    expect(tests(await heartbeat(web, agent.token))).toEqual([]);
  });

  test("an agent waiting for commands is answered when one is queued for it, not for another agent, and not for a test it cannot take", async () => {
    const a = await enrolled("gpu-wait-a");
    const b = await enrolled("gpu-wait-b");
    await heartbeat(web, a.token);
    await heartbeat(web, b.token);
    const wait = async (token: string, timeoutS: number) => {
      const response = await web.fetch(`${agentPaths.commandsWait}?timeout_s=${timeoutS}`, { token });
      expect(response.status, await response.clone().text()).toBe(200);
      return CommandsWaitResponseSchema.parse(await response.json()).pending;
    };
    // Nothing queued: the time runs out.
    expect(await wait(a.token, 1)).toBe(false);
    // A test queued while both wait wakes its own agent only, and the heartbeat then hands it out.
    const waitingA = wait(a.token, 30);
    const waitingB = wait(b.token, 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const job = await dispatch(a.agent_id);
    expect(await waitingA).toBe(true);
    expect(await waitingB).toBe(false);
    expect((await heartbeat(web, a.token)).commands.map((command) => command.type)).toEqual(["run_test"]);
    // A test for a busy agent does not wake it (it could not take it), other commands do, and at once when already queued.
    await heartbeat(web, a.token, { ...idleBeat, status: "busy", running_job: job.id });
    await dispatch(a.agent_id);
    expect(await wait(a.token, 1)).toBe(false);
    await human(`/api/v1/agents/${a.agent_id}/commands`, { method: "POST", body: { type: "check_docker" } });
    expect(await wait(a.token, 30)).toBe(true);
    // People's tokens are refused there.
    expect((await web.fetch(`${agentPaths.commandsWait}?timeout_s=1`, { token: TOKEN })).status).toBe(403);
    expect((await web.fetch(`${agentPaths.commandsWait}?timeout_s=61`, { token: a.token })).status).toBe(400);
    // Leave the agent idle, as later tests expect of the others.
    await postJson(web, agentPaths.jobFinish(job.id), { status: "failed", exit_code: 1, error: "stopped", run_id: null }, a.token);
    await heartbeat(web, a.token);
  });

  test("a revoked token and a rotated-away token are refused; the new token works; a deleted agent cannot come back with its token", async () => {
    const agent = await enrolled("gpu-rotate");
    const rotated = await human<{ token: string }>(`/api/v1/agents/${agent.agent_id}/rotate-token`, { method: "POST" });
    expect(rotated.token).not.toBe(agent.token);
    expect((await postJson(web, agentPaths.heartbeat, idleBeat, agent.token)).status).toBe(401);
    await heartbeat(web, rotated.token);
    await human(`/api/v1/agents/${agent.agent_id}/revoke`, { method: "POST" });
    expect((await postJson(web, agentPaths.heartbeat, idleBeat, rotated.token)).status).toBe(401);
    expect((await postJson(web, agentPaths.register, registration("gpu-rotate"), rotated.token)).status).toBe(401);
    expect((await web.fetch("/api/v1/jobs", { method: "POST", token: TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify({ ...quickTest, target: agent.agent_id }) })).status).toBe(400);

    const doomed = await enrolled("gpu-deleted");
    expect(await human(`/api/v1/agents/${doomed.agent_id}`, { method: "DELETE" })).toEqual({ deleted: doomed.agent_id });
    expect((await web.fetch(`/api/v1/agents/${doomed.agent_id}`, { token: TOKEN })).status).toBe(404);
    expect((await postJson(web, agentPaths.register, registration("gpu-deleted"), doomed.token)).status).toBe(401);
  });

  test("after a database reset the agent's heartbeat is answered 404 unknown_agent; registering again with its token brings it back under its id", async () => {
    const agent = await enrolled("gpu-reset");
    await store.db.deleteFrom("agents").where("id", "=", agent.agent_id).execute();
    const lost = await postJson(web, agentPaths.heartbeat, idleBeat, agent.token);
    expect(lost.status).toBe(404);
    expect(await lost.json()).toEqual({ error: UNKNOWN_AGENT });
    const again = await postJson(web, agentPaths.register, registration("gpu-reset"), agent.token);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ agent_id: agent.agent_id, name: "gpu-reset", settings: { heartbeat_interval_s: 30, auto_cleanup: true } });
    await heartbeat(web, agent.token);
    const row = await store.db.selectFrom("agents").selectAll().where("id", "=", agent.agent_id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash("sha256").update(agent.token).digest("hex"));
    // A token this server never issued gets no such second chance.
    const foreign = agent.token.replace(/_[A-Za-z0-9_-]{43}$/, `_${"A".repeat(43)}`);
    expect((await postJson(web, agentPaths.register, registration("gpu-reset"), foreign)).status).toBe(401);
  });

  test("an agent silent for three heartbeat intervals is shown offline and its running job becomes lost", async () => {
    const agent = await enrolled("gpu-silent");
    const job = await dispatch(agent.agent_id);
    await heartbeat(web, agent.token, { ...idleBeat, status: "busy", running_job: job.id });
    const beatAt = Number((await store.db.selectFrom("agents").select("last_heartbeat_at").where("id", "=", agent.agent_id).executeTakeFirstOrThrow()).last_heartbeat_at);
    expect(await sweepSilentAgents(store, beatAt + 89_000)).toEqual([]);
    expect(await sweepSilentAgents(store, beatAt + 91_000)).toEqual([job.id]);
    expect(await human<JobRecord>(`/api/v1/jobs/${job.id}`)).toMatchObject({ status: "lost" });
    const row = await store.db.selectFrom("agents").select(["status"]).where("id", "=", agent.agent_id).executeTakeFirstOrThrow();
    expect(row.status).toBe("offline");
    // It comes back: it is idle again; the lost job stays lost (final), and its finish changes nothing.
    await heartbeat(web, agent.token);
    expect(await human<{ status: string }>(`/api/v1/agents/${agent.agent_id}`)).toMatchObject({ status: "idle" });
    expect(await (await postJson(web, agentPaths.jobFinish(job.id), { status: "completed", exit_code: 0, error: null, run_id: null }, agent.token)).json()).toEqual({ status: "lost" });
  });

  test("a server started again after an outage counts an agent's silence from its own start: the job the agent ran on is not lost", async () => {
    const agent = await enrolled("gpu-outage");
    const job = await dispatch(agent.agent_id);
    await heartbeat(web, agent.token, { ...idleBeat, status: "busy", running_job: job.id });
    const beatAt = Number((await store.db.selectFrom("agents").select("last_heartbeat_at").where("id", "=", agent.agent_id).executeTakeFirstOrThrow()).last_heartbeat_at);
    // Down for two minutes, longer than three heartbeat intervals (30 s each).
    const restartedAt = beatAt + 120_000;
    expect(await sweepSilentAgents(store, restartedAt + 5_000, restartedAt)).toEqual([]);
    expect(await human<JobRecord>(`/api/v1/jobs/${job.id}`)).toMatchObject({ status: "running" });
    // Silent since the server is back: lost after all.
    expect(await sweepSilentAgents(store, restartedAt + 91_000, restartedAt)).toEqual([job.id]);
  });

  test("results uploads: a wrong digest, a link, a path out of the folder, a run id the folder does not hold, someone else's run and an oversized body are refused, and nothing lands outside the temp folder", async () => {
    const agent = await enrolled("gpu-upload");
    const job = await dispatch(agent.agent_id);
    const good = await resultsTarball();
    expect((await uploadResults(web, agent.token, job.id, { ...good, sha256: "0".repeat(64) })).status).toBe(400);
    expect((await uploadResults(web, agent.token, job.id, { ...good, runId: "another-run" })).status).toBe(400);

    const scratch = await mkdtemp(join(tmpdir(), "kitt-evil-upload-"));
    const inner = join(scratch, "inner");
    execFileSync("mkdir", ["-p", inner]);
    await writeFile(join(scratch, "escaped.txt"), "outside");
    await symlink("/etc/passwd", join(inner, "metrics.json"));
    const tarred = (args: string[]) => {
      const body = execFileSync("tar", args, { cwd: inner });
      return { runId: good.runId, body, sha256: createHash("sha256").update(body).digest("hex") };
    };
    const before = new Set(await readdir(tmpdir()));
    const escaping = await uploadResults(web, agent.token, job.id, tarred(["-czPf", "-", "../escaped.txt"]));
    expect(escaping.status).toBe(400);
    expect(await escaping.text()).toContain("leaves the results folder");
    const linked = await uploadResults(web, agent.token, job.id, tarred(["-czf", "-", "metrics.json"]));
    expect(linked.status).toBe(400);
    expect(await linked.text()).toContain("SymbolicLink");
    expect((await uploadResults(web, agent.token, job.id, { ...good, body: Buffer.alloc(100 * 1024, 1), sha256: createHash("sha256").update(Buffer.alloc(100 * 1024, 1)).digest("hex") })).status).toBe(413);
    expect((await uploadResults(web, agent.token, job.id, { ...good, body: Buffer.from("not a tarball"), sha256: createHash("sha256").update("not a tarball").digest("hex") })).status).toBe(400);
    // Temp folders are removed; nothing was written beside them.
    expect([...new Set(await readdir(tmpdir()))].filter((name) => !before.has(name) && name.startsWith("kitt-results-upload-"))).toEqual([]);
    expect(await readdir(scratch)).toEqual(["escaped.txt", "inner"]);

    // A run already stored by someone else is not overwritten by an agent claiming its id.
    const other = await enrolled("gpu-other");
    const otherJob = await dispatch(other.agent_id);
    expect((await uploadResults(web, other.token, otherJob.id, good)).status).toBe(200);
    const thief = await uploadResults(web, agent.token, job.id, await resultsTarball({ runId: good.runId, startedAt: "2026-01-01T00:00:00.000Z" }));
    expect(thief.status).toBe(409);
    expect((await store.db.selectFrom("runs").select("id").where("id", "=", good.runId).execute()).length).toBe(1);
  });
});
