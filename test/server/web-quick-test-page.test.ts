/**
 * The Quick Test page over HTTP with a job runner that takes no job (jobs stay queued): the form
 * offers each model of the model directory only with the engines the models API lists for it,
 * escapes an HTML-looking file name, and a posted form queues exactly the request the jobs API
 * would accept, through the same runner; what the runner refuses is said on the form.
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
import { startTestServer, type TestServer } from "./support.js";

const TOKEN = "quick-test-page-token";
const HTML_NAME = "<img src=x onerror=alert(1)>.gguf";

const unescape = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

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

  const signIn = async () => {
    const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    return login.headers.get("set-cookie")!.split(";")[0]!;
  };
  const post = async (fields: Array<[string, string]>, origin = "null") =>
    web.fetch("/quick-test", {
      method: "POST",
      headers: { cookie: await signIn(), origin, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

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
