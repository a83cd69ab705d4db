/**
 * A remote agent end to end, each side its own process with its own home: `kitt web` makes an
 * enrolment code, `kitt agent init` trades it for the agent's token, `kitt agent start`
 * heartbeats, a quick test sent to the agent runs the real llama-server there, its log lines
 * reach a viewer of the job's event stream on the server, and its run lands in the server's
 * store with the agent's hardware. Stopping the agent leaves nothing running.
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runKitt, startKitt, tempKittHome, type KittRun } from "../support/cli.js";
import { initAgent, jobEvents, startWeb, webApi } from "../support/kitt-web.js";
import { freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const llama = await requireLlamaServer();
const TOKEN = "agent-e2e-token-0123456789";
const started: KittRun[] = [];

afterAll(async () => {
  for (const run of started.reverse()) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGINT");
    await run.done;
  }
});

describe.skipIf(!llama)("a kitt agent working for kitt web", () => {
  it("enrols with a code, runs a quick test sent from the server and delivers its log lines and run", async () => {
    const web = await startWeb(tempKittHome(), TOKEN);
    started.push(web.run);
    const base = web.base;
    const api = webApi(base, TOKEN);

    const { home: agentHome, code, init } = await initAgent(api, base, "box-a");
    expect(init.code, init.stderr).toBe(0);
    // The token is in the agent's configuration, readable by its owner only, and was never printed.
    const config = await readFile(join(agentHome, "agent.yaml"), "utf8");
    const token = /token: (kitt_agent_\S+)/.exec(config)?.[1];
    expect(token).toBeDefined();
    // The name the enrolment gave, not the host's.
    expect(config).toMatch(/^name: box-a$/m);
    expect(statSync(join(agentHome, "agent.yaml")).mode & 0o077).toBe(0);
    expect(init.stdout + init.stderr).not.toContain(token!);
    // The code was used: a second enrolment with it is refused.
    expect((await runKitt(["agent", "init", "--server", base, "--code", code, "--force"], { KITT_HOME: tempKittHome() })).code).not.toBe(0);

    const agents = (await api("/api/v1/agents")).body.agents as Array<{ id: string; name: string }>;
    expect(agents.map((agent) => agent.name)).toEqual(["box-a"]);
    const agentId = agents[0]!.id;
    // A heartbeat every 5 minutes (the most allowed): the test below reaches the agent through its
    // wait for commands between heartbeats, or not within this test's time.
    expect((await api(`/api/v1/agents/${agentId}`, { method: "PATCH", body: { heartbeat_interval_s: 300 } })).status).toBe(200);

    const agent = startKitt(["agent", "start"], { KITT_HOME: agentHome });
    started.push(agent);
    await agent.waitFor(/working for/, 60_000);
    for (let waited = 0; (await api(`/api/v1/agents/${agentId}`)).body.last_heartbeat_at === null; waited += 200) {
      expect(waited).toBeLessThan(60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const port = await freePort();
    const job = await api("/api/v1/jobs", { method: "POST", body: { model: "tiny.gguf", engine: "llama_cpp", runtime: "native", suite: "quick", target: agentId, options: { port } } });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    expect(job.body).toMatchObject({ status: "queued", assigned_to: agentId });
    const jobId = job.body.id as string;

    // A viewer on the server sees the agent's log lines as they come, and the job's end.
    const events = await jobEvents(base, TOKEN, jobId);
    expect(events.at(-1)).toMatchObject({ type: "status", job: { status: "completed" } });
    expect(events.filter((event) => event.type === "log").map((event) => event.line).join("\n")).toContain("engine ready");

    const finished = (await api(`/api/v1/jobs/${jobId}`)).body;
    expect(finished).toMatchObject({ status: "completed", assigned_to: agentId });
    expect((finished.started_at as number) - (job.body.created_at as number)).toBeLessThan(30_000);
    const run = (await api(`/api/v1/runs/${finished.run_id as string}`)).body;
    expect(run).toMatchObject({ status: "completed", engine: "llama_cpp", model: "tiny.gguf", runtime: "native" });
    const registered = (await api(`/api/v1/agents/${agentId}`)).body as { hardware: { cpu: unknown } };
    expect((run.hardware as { cpu: unknown }).cpu).toEqual(registered.hardware.cpu);
    expect(llamaServersOnPort(port)).toEqual([]);

    agent.child.kill("SIGINT");
    const ended = await agent.done;
    expect(ended.stderr).not.toContain(token!);
    // Nor does the server say it, nor write it into the job's log.
    expect(web.run.stdout() + web.run.stderr()).not.toContain(token!);
    expect(await readFile(finished.log_path as string, "utf8")).not.toContain(token!);
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 300_000);
});
