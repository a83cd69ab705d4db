/**
 * The Quick Test page over HTTP with a job runner that takes no job (jobs stay queued): the form
 * offers each model of the model directory only with the engines the models API lists for it,
 * escapes an HTML-looking file name, and a posted form queues exactly the request the jobs API
 * would accept, through the same runner; what the runner refuses is said on the form. A server
 * without a runner offers only its online agents, sends a posted test to the one picked, and says
 * jobs cannot run here while no agent is online.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobRequestSchema } from "../../src/server/jobs/job-request.js";
import { JobRunner } from "../../src/server/jobs/job-runner.js";
import { getJob, listJobs } from "../../src/store/jobs.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { safetensorsFile, smallGguf } from "../support/models.js";
import { enrolWithCode, heartbeat, postJson } from "./agent-support.js";
import { startTestServer, type TestServer } from "./support.js";

const TOKEN = "quick-test-page-token";
const HTML_NAME = "<img src=x onerror=alert(1)>.gguf";

const unescape = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

const signIn = async (web: TestServer) => {
  const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
  return login.headers.get("set-cookie")!.split(";")[0]!;
};
/** The form posted as Chromium sends it from the page (Origin: null under no-referrer). */
const postForm = async (web: TestServer, fields: Array<[string, string]>, origin = "null") =>
  web.fetch("/quick-test", {
    method: "POST",
    headers: { cookie: await signIn(web), origin, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

describe("the Quick Test page", () => {
  let home: string;
  let store: ResultsStore;
  let runner: JobRunner;
  let web: TestServer;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "kitt-quick-test-page-"));
    const models = join(home, "models");
    mkdirSync(join(models, "tiny"), { recursive: true });
    mkdirSync(join(models, "hf-llama"));
    await smallGguf(join(models, "tiny", "small.gguf"));
    await smallGguf(join(models, HTML_NAME));
    safetensorsFile(join(models, "hf-llama", "model.safetensors"), { w: [4, 8] });
    writeFileSync(join(models, "hf-llama", "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"], model_type: "llama", max_position_embeddings: 4096 }));
    store = await openStore({ url: join(home, "kitt.db") });
    const env = { KITT_HOME: home, KITT_MODEL_DIR: models };
    // Opened, never begun: queued jobs stay queued.
    runner = await JobRunner.open({ store, env: { ...process.env, ...env }, modelDir: () => models });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env, jobs: runner });
  });
  afterAll(async () => {
    await web?.server.close();
    await runner?.close();
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const post = (fields: Array<[string, string]>, origin?: string) => postForm(web, fields, origin);

  it("offers each model only with the engines the models API lists for it, names escaped", async () => {
    const api = (await (await web.fetch("/api/v1/models", { token: TOKEN })).json()) as { models: Array<{ path: string; engines: string[]; problem?: string }> };
    const expected = api.models.filter((model) => model.problem === undefined).flatMap((model) => model.engines.map((engine) => `${engine}:${model.path}`));
    const html = await (await web.fetch("/quick-test", { token: TOKEN })).text();
    const offered = [...html.matchAll(/<option value="([^"]*:[^"]*)"/g)].map((match) => unescape(match[1]!));
    expect(offered.sort()).toEqual(expected.sort());
    expect(offered).toContain("llama_cpp:tiny/small.gguf");
    expect(offered).toContain(`llama_cpp:${HTML_NAME}`);
    expect(offered.filter((value) => value.endsWith(":hf-llama"))).not.toContain("llama_cpp:hf-llama");
    expect(offered.some((value) => value.endsWith(":hf-llama"))).toBe(true);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain('name="tests" value="throughput"');
    expect(html).toContain('<option value="quick" selected="">');
  });

  it("queues exactly the request the jobs API would accept and opens the job's page", async () => {
    const response = await post([
      ["target", "llama_cpp:tiny/small.gguf"],
      ["suite", ""],
      ["tests", "throughput"],
      ["tests", "latency"],
      ["runtime", "native"],
      ["url", ""],
      ["port", "8123"],
      ["runs", "2"],
      ["limit", ""],
      ["gpus", ""],
      ["skip_warmup", "1"],
    ]);
    expect(response.status, await response.clone().text()).toBe(303);
    const id = /^\/jobs\/([0-9a-f-]{36})$/.exec(response.headers.get("location") ?? "")?.[1];
    expect(id).toBeDefined();
    const job = await getJob(store, id!);
    const asApi = JobRequestSchema.parse({ model: "tiny/small.gguf", engine: "llama_cpp", tests: ["throughput", "latency"], runtime: "native", options: { port: 8123, runs: 2, skip_warmup: true } });
    expect(job).toMatchObject({ status: "queued", request: asApi });
    const page = await (await web.fetch(`/jobs/${id}`, { token: TOKEN })).text();
    expect(page).toContain(`data-job-id="${id}"`);
  });

  it("says on the form what the runner refuses, queues nothing, and refuses a cross-origin post", async () => {
    const before = (await listJobs(store, { limit: 500 })).length;
    const wrongEngine = await post([["target", "vllm:tiny/small.gguf"], ["suite", "quick"], ["runtime", "native"]]);
    expect(wrongEngine.status).toBe(400);
    expect(await wrongEngine.text()).toContain("vllm cannot load tiny/small.gguf");
    const outside = await post([["target", "llama_cpp:../kitt.db"], ["suite", "quick"], ["runtime", "native"]]);
    expect(outside.status).toBe(400);
    expect(await outside.text()).toMatch(/role="alert"/);
    const unknownSuite = await post([["target", "llama_cpp:tiny/small.gguf"], ["suite", "no-such-suite"], ["runtime", "native"]]);
    expect(unknownSuite.status).toBe(400);
    expect(await unknownSuite.text()).toContain("unknown suite no-such-suite");
    expect((await post([["target", "llama_cpp:tiny/small.gguf"], ["suite", "quick"], ["runtime", "native"]], "http://evil.example")).status).toBe(403);
    expect(await listJobs(store, { limit: 500 })).toHaveLength(before);
  });
});

describe("the Quick Test page without a job runner", () => {
  let home: string;
  let store: ResultsStore;
  let web: TestServer;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "kitt-quick-test-agents-"));
    mkdirSync(join(home, "models"));
    await smallGguf(join(home, "models", "small.gguf"));
    store = await openStore({ url: join(home, "kitt.db") });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env: { KITT_HOME: home, KITT_MODEL_DIR: join(home, "models") } });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const page = async () => {
    const response = await web.fetch("/quick-test", { token: TOKEN });
    expect(response.status).toBe(200);
    return response.text();
  };
  const online = async (name: string) => {
    const made = await postJson(web, "/api/v1/agents/enrolments", { name }, TOKEN);
    expect(made.status).toBe(201);
    const agent = await enrolWithCode(web, ((await made.json()) as { code: string }).code, name);
    await heartbeat(web, agent.token);
    return agent;
  };
  const agentFields = (agent: string): Array<[string, string]> => [["agent", agent], ["agent_model", "llama/tiny.gguf"], ["agent_engine", "llama_cpp"], ["suite", "quick"], ["runtime", "native"]];

  // Runs first: no agent has enrolled yet.
  it("with no agent online says jobs cannot run here, links to Agents, and a post queues nothing", async () => {
    const html = await page();
    expect(html).toContain("Jobs cannot run here: this server has no job runner and no agent is online");
    expect(html).toContain('<a href="/agents">Agents</a>');
    expect(html).not.toContain("<form");
    const posted = await postForm(web, agentFields("no-such-agent"));
    expect(posted.status).toBe(503);
    expect(await posted.text()).toContain("Jobs cannot run here");
    expect(await listJobs(store, { limit: 500 })).toHaveLength(0);
  });

  it("offers only the online agents, not this server or its models, and sends a posted test to the agent picked", async () => {
    const agent = await online("gpu-quick");
    const html = await page();
    expect(html).toContain("This server runs no jobs itself");
    expect(html).toContain(`<option value="${agent.agent_id}">agent gpu-quick — 1 × NVIDIA H100 80GB HBM3</option>`);
    expect(html).not.toContain("this server</option>");
    expect(html).not.toContain('name="target"');
    expect(html).not.toContain("small.gguf");
    expect(html).toMatch(/<input name="agent_model"[^>]* required=""/);
    expect(html).toContain('name="tests" value="throughput"');
    const posted = await postForm(web, agentFields(agent.agent_id));
    expect(posted.status, await posted.clone().text()).toBe(303);
    const jobId = /^\/jobs\/([0-9a-f-]{36})$/.exec(posted.headers.get("location") ?? "")?.[1];
    const job = await getJob(store, jobId!);
    expect(job).toMatchObject({ status: "queued", assigned_to: agent.agent_id, request: JobRequestSchema.parse({ engine: "llama_cpp", model: "llama/tiny.gguf", suite: "quick", runtime: "native" }) });
    const { commands } = await heartbeat(web, agent.token);
    expect(commands).toEqual([expect.objectContaining({ type: "run_test", job_id: jobId })]);
  });

  it("gives the form back with the reason for a post to this server, to an agent not online, or that the schema refuses", async () => {
    const up = await online("gpu-up");
    const away = await online("gpu-away");
    await store.db.updateTable("agents").set({ last_heartbeat_at: Date.now() - 10 * 60_000 }).where("id", "=", away.agent_id).execute();
    const before = (await listJobs(store, { limit: 500 })).length;
    const local = await postForm(web, [["target", "llama_cpp:small.gguf"], ["suite", "quick"], ["runtime", "native"]]);
    expect(local.status).toBe(400);
    const localHtml = await local.text();
    expect(localHtml).toContain("this server runs no jobs itself: pick an agent to run the test on");
    expect(localHtml).toContain('name="agent_model"');
    const offline = await postForm(web, agentFields(away.agent_id));
    expect(offline.status).toBe(400);
    expect(await offline.text()).toContain(`agent ${away.agent_id} is not online`);
    const noModel = await postForm(web, agentFields(up.agent_id).filter(([name]) => name !== "agent_model"));
    expect(noModel.status).toBe(400);
    expect(await noModel.text()).toContain("model: required unless runtime is endpoint");
    expect((await postForm(web, agentFields(up.agent_id), "http://evil.example")).status).toBe(403);
    expect(await listJobs(store, { limit: 500 })).toHaveLength(before);
  });
});
