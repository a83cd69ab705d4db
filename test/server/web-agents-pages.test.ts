/**
 * The Agents pages over a real server, on SQLite and PostgreSQL (skipped without a PostgreSQL
 * server, except in CI): the enrol form makes a code that `install.sh` and register accept, shown
 * once with its pinned install line; agents registered through the protocol are listed with the
 * API's status; the detail page's forms change the agent's settings in the database (the agent
 * gets them with its heartbeat), queue commands, rotate, revoke and delete; stored text is
 * escaped; agent tokens and cross-origin posts are refused; Quick Test sends a test to an online
 * agent. In a browser: test/e2e/web-agents-browser.test.ts.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kittVersion } from "../../src/package-root.js";
import { AgentPackage, fileSha256 } from "../../src/server/agents/agent-package.js";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { secretHash } from "../../src/server/agents/agent-tokens.js";
import { JobRunner } from "../../src/server/jobs/job-runner.js";
import { getAgent, restoreAgent } from "../../src/store/agents.js";
import { createJob, getJob } from "../../src/store/jobs.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "../store/backends.js";
import { enrolWithCode, heartbeat, idleBeat, postJson } from "./agent-support.js";
import { startTestServer, type TestServer } from "./support.js";

const backends = await allBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

const TOKEN = "agents-pages-token";
const PIN = `sha256//${Buffer.alloc(32, 9).toString("base64")}`;
const HTML = "<img src=x onerror=alert(1)>";

const unescape = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/** The package cache `AgentPackage` reads before it would run `npm pack`: what install.sh needs is its digest. */
async function seededPackage(dir: string): Promise<AgentPackage> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `kitt-${kittVersion().replace(/[^A-Za-z0-9.+-]/g, "_")}.tgz`);
  writeFileSync(path, "not a real package: install.sh only needs its digest");
  writeFileSync(`${path}.sha256`, `${await fileSha256(path)}\n`);
  return new AgentPackage(dir);
}

describe.each(backends)("the Agents pages on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  let home: string;
  let store: ResultsStore;
  let runner: JobRunner;
  let web: TestServer;
  let cookie: string;

  beforeAll(async () => {
    if (!backend.available) return;
    home = mkdtempSync(join(tmpdir(), "kitt-agents-pages-"));
    store = await openStore({ url: await backend.freshUrl() });
    const env = { KITT_HOME: home, KITT_MODEL_DIR: join(home, "models") };
    mkdirSync(env.KITT_MODEL_DIR);
    // Opened, never begun: jobs for this server stay queued.
    runner = await JobRunner.open({ store, env: { ...process.env, ...env }, modelDir: () => env.KITT_MODEL_DIR });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env, jobs: runner, publicKeyPin: PIN, agentPackage: await seededPackage(join(home, "web")) });
    const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  });
  afterAll(async () => {
    await web?.server.close();
    await runner?.close();
    await store?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const page = async (path: string, status = 200) => {
    const response = await web.fetch(path, { token: TOKEN });
    const text = await response.text();
    expect(response.status, `${path}: ${text.slice(0, 300)}`).toBe(status);
    return text;
  };
  /** A form POST as Chromium sends it from one of kitt's pages (Origin: null under no-referrer). */
  const postForm = (path: string, fields: Array<[string, string]>, origin = "null") =>
    web.fetch(path, { method: "POST", headers: { cookie, origin, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });
  const enrolThroughPage = async (name: string) => {
    const response = await postForm("/agents/enrol", [["name", name], ["ttl_s", "600"]]);
    const html = await response.text();
    expect(response.status, html.slice(0, 500)).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const code = unescape(/data-code="true">([^<]+)</.exec(html)?.[1] ?? "");
    const install = unescape(/data-install-command="true">([^<]+)</.exec(html)?.[1] ?? "");
    return { code, install, html };
  };
  const registered = async (name: string) => {
    const { code } = await enrolThroughPage(name);
    const agent = await enrolWithCode(web, code, name);
    await heartbeat(web, agent.token);
    return agent;
  };

  test("the enrol form makes a single-use code, shown once with the pinned install line, that install.sh and register accept", async () => {
    const { code, install } = await enrolThroughPage("gpu-a");
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(install).toBe(`curl -fsSL --pinnedpubkey '${PIN}' '${web.url}${agentPaths.installScript}?code=${code}' | bash`);
    const rows = await store.db.selectFrom("agent_enrolments").selectAll().execute();
    expect(rows.some((row) => row.code_hash === secretHash(code) && row.name === "gpu-a")).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(code);
    const script = await web.fetch(`${agentPaths.installScript}?code=${code}`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain(`code='${code}'`);
    const agent = await enrolWithCode(web, code, "host-name");
    expect((await getAgent(store, agent.agent_id))?.name).toBe("gpu-a");
    expect((await web.fetch(`${agentPaths.installScript}?code=${code}`)).status).toBe(401);
    expect(await page("/agents")).not.toContain(code);
  });

  test("a bad enrol form says what is wrong and makes no code", async () => {
    const before = (await store.db.selectFrom("agent_enrolments").select("id").execute()).length;
    const response = await postForm("/agents/enrol", [["name", HTML], ["ttl_s", "5"]]);
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html).toContain("name: letters, digits");
    expect(html).toContain("ttl_s:");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x");
    expect((await store.db.selectFrom("agent_enrolments").select("id").execute()).length).toBe(before);
  });

  test("the list shows each agent's status as the API computes it, heartbeat, GPUs, engines, running test and free storage", async () => {
    const busy = await registered("list-busy");
    const job = await (await postJson(web, "/api/v1/jobs", { target: busy.agent_id, engine: "llama_cpp", model: "tiny.gguf", runtime: "native" }, TOKEN)).json() as { id: string };
    await heartbeat(web, busy.token, { ...idleBeat, status: "busy", running_job: job.id });
    const silent = await registered("list-silent");
    await store.db.updateTable("agents").set({ last_heartbeat_at: Date.now() - 10 * 60_000 }).where("id", "=", silent.agent_id).execute();
    const html = await page("/agents");
    expect(html).toContain('<a href="/agents" aria-current="page">Agents</a>');
    const api = (await (await web.fetch("/api/v1/agents", { token: TOKEN })).json()) as { agents: Array<{ id: string; status: string }> };
    const row = (id: string) => new RegExp(`<tr data-agent-id="${id}" data-status="([a-z]+)">(.*?)</tr>`, "s").exec(html);
    expect(api.agents.find((agent) => agent.id === silent.agent_id)?.status).toBe("offline");
    expect(row(silent.agent_id)?.[1]).toBe("offline");
    expect(row(silent.agent_id)?.[2]).toContain("10 min ago");
    const busyRow = row(busy.agent_id)!;
    expect(busyRow[1]).toBe("online");
    expect(busyRow[2]).toContain("1 × NVIDIA H100 80GB HBM3");
    expect(busyRow[2]).toContain("llama_cpp");
    expect(busyRow[2]).toContain(`<a href="/jobs/${job.id}">`);
    expect(busyRow[2]).toContain("512 GB");
    expect(busyRow[2]).toMatch(/\d+ s ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
  });

  test("the detail page shows hardware, engines, GPUs now and the agent's jobs only, paged", async () => {
    const agent = await registered("detail-a");
    const other = await registered("detail-b");
    const submit = async (target?: string) =>
      (await (await postJson(web, "/api/v1/jobs", { ...(target ? { target } : {}), engine: "llama_cpp", model: "tiny.gguf", runtime: "native", suite: "quick" }, TOKEN)).json()) as { id: string };
    const first = await submit(agent.agent_id);
    const second = await submit(agent.agent_id);
    const elsewhere = await submit(other.agent_id);
    const local = await createJob(store, { kind: "quick-test", request: { engine: "llama_cpp", model: "x.gguf" } });
    const html = await page(`/agents/${agent.agent_id}`);
    expect(html).toContain("NVIDIA H100 80GB HBM3");
    expect(html).toContain("kitt/llama-cpp:test");
    expect(html).toContain("3 %");
    const jobIds = [...html.matchAll(/<tr data-job-id="([^"]+)"/g)].map((match) => match[1]);
    expect(jobIds).toEqual([second.id, first.id]);
    expect(jobIds).not.toContain(elsewhere.id);
    expect(jobIds).not.toContain(local.id);
    const paged = await page(`/agents/${agent.agent_id}?limit=1`);
    expect([...paged.matchAll(/<tr data-job-id="([^"]+)"/g)].map((match) => match[1])).toEqual([second.id]);
    const next = unescape(/<a href="([^"]+)" rel="next">/.exec(paged)![1]!);
    expect(next).toMatch(new RegExp(`^/agents/${agent.agent_id}\\?limit=1&cursor=`));
    expect([...(await page(next)).matchAll(/<tr data-job-id="([^"]+)"/g)].map((match) => match[1])).toEqual([first.id]);
    await page("/agents/no-such-agent", 404);
  });

  test("the settings form changes the agent's settings in the database, handed to it with its next heartbeat", async () => {
    const agent = await registered("settings-a");
    const saved = await postForm(`/agents/${agent.agent_id}/settings`, [["heartbeat_interval_s", "45"]]);
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/agents/${agent.agent_id}?done=settings`);
    expect((await getAgent(store, agent.agent_id))?.settings).toEqual({ heartbeat_interval_s: 45, auto_cleanup: false });
    expect((await heartbeat(web, agent.token)).settings).toEqual({ heartbeat_interval_s: 45, auto_cleanup: false });
    expect(await page(`/agents/${agent.agent_id}?done=settings`)).toContain('name="heartbeat_interval_s" type="number" min="10" max="300" value="45"');
    const bad = await postForm(`/agents/${agent.agent_id}/settings`, [["heartbeat_interval_s", "5"], ["auto_cleanup", "1"]]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("heartbeat_interval_s: Too small");
    expect((await getAgent(store, agent.agent_id))?.settings).toEqual({ heartbeat_interval_s: 45, auto_cleanup: false });
  });

  test("command buttons queue commands the agent gets with its next heartbeat, and show how they went", async () => {
    const agent = await registered("commands-a");
    expect((await postForm(`/agents/${agent.agent_id}/commands`, [["type", "cleanup_storage"], ["model", "llama/tiny.gguf"]])).status).toBe(303);
    expect((await postForm(`/agents/${agent.agent_id}/commands`, [["type", "cleanup_storage"], ["model", ""]])).status).toBe(303);
    expect((await postForm(`/agents/${agent.agent_id}/commands`, [["type", "check_docker"]])).status).toBe(303);
    expect((await postForm(`/agents/${agent.agent_id}/commands`, [["type", "setup_engine"], ["engine", "Bad Engine"]])).status).toBe(400);
    const { commands } = await heartbeat(web, agent.token);
    expect(commands.map(({ command_id: _id, ...command }) => command)).toEqual([{ type: "cleanup_storage", model: "llama/tiny.gguf" }, { type: "cleanup_storage" }, { type: "check_docker" }]);
    const result = await postJson(web, agentPaths.commandResult(commands[2]!.command_id), { ok: false, output: `docker: ${HTML}` }, agent.token);
    expect(result.status).toBe(200);
    const html = await page(`/agents/${agent.agent_id}`);
    expect(html).toContain("docker: &lt;img src=x");
    expect(html).not.toContain("<img src=x");
  });

  test("rotating shows the new token once and refuses the old one; revoking refuses the token; deleting needs the confirmation", async () => {
    const agent = await registered("tokens-a");
    const rotated = await postForm(`/agents/${agent.agent_id}/rotate-token`, []);
    const html = await rotated.text();
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("cache-control")).toBe("no-store");
    const token = /<code class="secret">(kitt_agent_[^<]+)<\/code>/.exec(html)![1]!;
    expect(html).toContain("kitt agent token set");
    expect((await postJson(web, agentPaths.heartbeat, idleBeat, agent.token)).status).toBe(401);
    await heartbeat(web, token);
    const row = await store.db.selectFrom("agents").selectAll().where("id", "=", agent.agent_id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.token_hash).toBe(secretHash(token));
    expect(await page(`/agents/${agent.agent_id}`)).not.toContain(token);

    const revoked = await postForm(`/agents/${agent.agent_id}/revoke`, []);
    expect(revoked.headers.get("location")).toBe(`/agents/${agent.agent_id}?done=revoked`);
    expect((await postJson(web, agentPaths.heartbeat, idleBeat, token)).status).toBe(401);
    expect(await page("/agents")).toContain(`<tr data-agent-id="${agent.agent_id}" data-status="revoked">`);
    expect((await postForm(`/agents/${agent.agent_id}/rotate-token`, [])).status).toBe(400);

    expect((await postForm(`/agents/${agent.agent_id}/delete`, [])).status).toBe(400);
    expect(await getAgent(store, agent.agent_id)).toBeDefined();
    const deleted = await postForm(`/agents/${agent.agent_id}/delete`, [["confirm", "1"]]);
    expect(deleted.headers.get("location")).toBe("/agents?done=deleted");
    expect(await getAgent(store, agent.agent_id)).toBeUndefined();
    expect(await page("/agents")).not.toContain(agent.agent_id);
    await page(`/agents/${agent.agent_id}`, 404);
  });

  test("what an agent stored about itself is escaped on both pages", async () => {
    const id = randomUUID();
    await restoreAgent(store, {
      id,
      token: { hash: secretHash(randomUUID()), prefix: "kitt_agent_x" },
      registration: { name: HTML, kitt_version: "0.1.0", hardware: { gpus: [{ index: 0, name: `<b>${HTML}</b>` }] }, engines: [{ engine: "llama_cpp", images: [`<script>${HTML}</script>`], native: false }] },
      settings: {},
    });
    for (const html of [await page("/agents"), await page(`/agents/${id}`), await page("/quick-test")]) {
      expect(html).not.toContain("<img src=x");
      expect(html).not.toContain("<script>&lt;img");
      expect(html).not.toContain("<b>&lt;img");
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    }
    await store.db.updateTable("agents").set({ deleted_at: Date.now() }).where("id", "=", id).execute();
  });

  test("pages refuse agent tokens and cross-origin posts", async () => {
    const agent = await registered("refused-a");
    for (const path of ["/agents", `/agents/${agent.agent_id}`, "/quick-test"]) {
      expect((await web.fetch(path, { token: agent.token })).status, path).toBe(403);
    }
    const enrolments = (await store.db.selectFrom("agent_enrolments").select("id").execute()).length;
    const asAgent = await web.fetch("/agents/enrol", { method: "POST", token: agent.token, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "name=x&ttl_s=600" });
    expect(asAgent.status).toBe(403);
    expect((await postForm("/agents/enrol", [["ttl_s", "600"]], "http://evil.example")).status).toBe(403);
    expect((await store.db.selectFrom("agent_enrolments").select("id").execute()).length).toBe(enrolments);
    expect((await postForm(`/agents/${agent.agent_id}/settings`, [["heartbeat_interval_s", "100"]], "http://evil.example")).status).toBe(403);
    expect((await postForm(`/agents/${agent.agent_id}/revoke`, [], "http://evil.example")).status).toBe(403);
    expect((await getAgent(store, agent.agent_id))?.revoked_at).toBeNull();
  });

  test("Quick Test offers online agents only and queues the test for the one picked, checked by the job request schema", async () => {
    const online = await registered("quick-online");
    const offline = await registered("quick-offline");
    await store.db.updateTable("agents").set({ last_heartbeat_at: Date.now() - 10 * 60_000 }).where("id", "=", offline.agent_id).execute();
    const html = await page("/quick-test");
    expect(html).toContain(`<option value="${online.agent_id}">agent quick-online — 1 × NVIDIA H100 80GB HBM3</option>`);
    expect(html).not.toContain(`value="${offline.agent_id}"`);
    const fields: Array<[string, string]> = [["agent", online.agent_id], ["agent_model", "llama/tiny.gguf"], ["agent_engine", "llama_cpp"], ["suite", "quick"], ["runtime", "native"]];
    const posted = await postForm("/quick-test", fields);
    expect(posted.status).toBe(303);
    const jobId = posted.headers.get("location")!.replace("/jobs/", "");
    const job = await getJob(store, jobId);
    expect(job?.assigned_to).toBe(online.agent_id);
    expect(job?.request).toMatchObject({ engine: "llama_cpp", model: "llama/tiny.gguf", suite: "quick", runtime: "native" });
    const { commands } = await heartbeat(web, online.token);
    expect(commands).toEqual([expect.objectContaining({ type: "run_test", job_id: jobId })]);
    const badEngine = await postForm("/quick-test", [["agent", online.agent_id], ["agent_model", "x.gguf"], ["agent_engine", "no_such_engine"], ["runtime", "native"]]);
    expect(badEngine.status).toBe(400);
    expect(await badEngine.text()).toContain("engine: Invalid option");
    const noModel = await postForm("/quick-test", [["agent", online.agent_id], ["agent_engine", "llama_cpp"], ["runtime", "native"]]);
    expect(noModel.status).toBe(400);
    expect(await noModel.text()).toContain("model: required unless runtime is endpoint");
    const unknown = await postForm("/quick-test", [["agent", "no-such-agent"], ["agent_model", "x.gguf"], ["agent_engine", "llama_cpp"], ["runtime", "native"]]);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("no agent no-such-agent");
  });
});
