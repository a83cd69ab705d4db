/**
 * `GET /api/v1/models` and `/models/{path}`: the model catalog of the model directory the
 * settings name, as `kitt models list --json` shows it, with an Ollama's tags; traversal through
 * `..`, encoded dots, absolute paths and symlinks is refused without reading outside; an
 * HTML-looking model name comes back as plain JSON data.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsListCommand } from "../../src/cli/commands/models-list.js";
import { writeGguf } from "../../src/models/gguf-writer.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { startEmulator } from "../emulators/index.mjs";
import { safetensorsFile, smallGguf } from "../support/models.js";
import { startTestServer, stdoutOf, type TestServer } from "./support.js";

const TOKEN = "kitt-token-for-model-tests";
const HTML_NAME = "<img src=x onerror=alert(1)>.gguf";

describe("the model browser API", () => {
  let home: string;
  let models: string;
  let outside: string;
  let store: ResultsStore;
  let web: TestServer;

  /** A request sent exactly as written: no client normalises `..` or `%2e%2e` away. */
  const raw = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(web.url);
      const request = http.request({ host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${TOKEN}` }, timeout: 10_000 }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on("error", reject);
      request.end();
    });
  const getJson = async (path: string) => {
    const response = await web.fetch(path, { token: TOKEN });
    const text = await response.text();
    expect(response.status, `${path}: ${text}`).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const putSettings = (body: unknown) => web.fetch("/api/v1/settings", { method: "PUT", token: TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "kitt-web-models-"));
    models = join(home, "models");
    outside = join(home, "outside");
    mkdirSync(join(models, "tiny"), { recursive: true });
    mkdirSync(join(models, "hf-llama"));
    mkdirSync(outside);
    await smallGguf(join(models, "tiny", "small.gguf"), 3);
    await smallGguf(join(models, HTML_NAME));
    safetensorsFile(join(models, "hf-llama", "model.safetensors"), { w: [4, 8] });
    writeFileSync(join(models, "hf-llama", "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"], model_type: "llama", max_position_embeddings: 4096 }));
    // Outside the model directory: a GGUF whose architecture must never show up.
    await writeGguf(join(outside, "secret.gguf"), { metadata: new Map([["general.architecture", { type: "string", value: "outsider" }]]), tensors: [] });
    symlinkSync(join(outside, "secret.gguf"), join(models, "escape.gguf"));
    symlinkSync(outside, join(models, "escape-dir"));

    store = await openStore({ url: join(home, "kitt.db") });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env: { KITT_HOME: home } });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("lists the model directory exactly as 'kitt models list --json' does, with facts, sizes and engines", async () => {
    const api = await getJson("/api/v1/models");
    const cli = JSON.parse(await stdoutOf(() => modelsListCommand({ dir: models, json: true }))) as unknown;
    expect(api).toEqual(cli);
    const list = api.models as Array<Record<string, unknown>>;
    const byPath = new Map(list.map((model) => [model.path as string, model]));
    expect(byPath.get("tiny/small.gguf")).toMatchObject({
      source: "file",
      format: "gguf",
      facts: { architecture: "qwen2", quantization: "Q4_K_M", contextLength: 32768, parameters: 12 },
      engines: ["llama_cpp", "ollama"],
    });
    expect(byPath.get("tiny/small.gguf")!.sizeBytes).toBeGreaterThan(0);
    const hf = byPath.get("hf-llama")!;
    expect(hf).toMatchObject({ format: "safetensors", sizeBytes: expect.any(Number), facts: { architecture: "LlamaForCausalLM", contextLength: 4096, parameters: 32 } });
    expect(hf.engines).not.toContain("llama_cpp");
    expect(hf.engines).toContain("vllm");
    expect(byPath.get("escape.gguf")).toEqual({ path: "escape.gguf", facts: {}, problem: "symlink leads outside the model directory (not followed)", source: "file", engines: [] });
    expect(byPath.get("escape-dir")?.problem).toBe("symlink leads outside the model directory (not followed)");
    expect(JSON.stringify(api)).not.toContain("outsider");
  });

  it("returns an HTML-looking model name as plain JSON data, and finds it by its encoded path", async () => {
    const response = await web.fetch("/api/v1/models", { token: TOKEN });
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const list = ((await response.json()) as { models: Array<{ path: string; format?: string }> }).models;
    expect(list.find((model) => model.path === HTML_NAME)).toMatchObject({ format: "gguf" });
    const detail = await getJson(`/api/v1/models/${encodeURIComponent(HTML_NAME)}`);
    expect(detail.model).toMatchObject({ path: HTML_NAME, format: "gguf", facts: { architecture: "qwen2" } });
  });

  it("one model by its catalog path; an unknown one is 404", async () => {
    expect(await getJson(`/api/v1/models/${encodeURIComponent("tiny/small.gguf")}`)).toMatchObject({ dir: models, model: { path: "tiny/small.gguf", format: "gguf" } });
    expect((await getJson("/api/v1/models/hf-llama")).model).toMatchObject({ format: "safetensors" });
    const missing = await raw("/api/v1/models/tiny%2Fnone.gguf");
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: expect.stringMatching(/^no model 'tiny\/none.gguf' in the model directory/) });
    // A real folder of the directory that is not a model.
    expect((await raw("/api/v1/models/tiny")).status).toBe(404);
  });

  it("refuses traversal: '..', encoded dots, absolute paths and symlinks out, without reading outside", async () => {
    const attempts = [
      "/api/v1/models/..%2Foutside%2Fsecret.gguf",
      "/api/v1/models/%2e%2e%2Foutside%2Fsecret.gguf",
      "/api/v1/models/%2E%2E",
      "/api/v1/models/tiny%2F..%2F..%2Foutside%2Fsecret.gguf",
      `/api/v1/models/${encodeURIComponent(join(outside, "secret.gguf"))}`,
      "/api/v1/models/%2Fetc%2Fpasswd",
      "/api/v1/models/escape.gguf",
      "/api/v1/models/escape-dir%2Fsecret.gguf",
      "/api/v1/models/..%5Coutside%5Csecret.gguf",
      "/api/v1/models/../../outside/secret.gguf",
      "/api/v1/models/%2e%2e/outside/secret.gguf",
    ];
    for (const path of attempts) {
      const response = await raw(path);
      expect([400, 404], `${path}: ${response.status} ${response.body}`).toContain(response.status);
      expect(response.body, path).not.toContain("outsider");
      expect(response.body, path).not.toContain("root:");
    }
    // The ones that reach the route are refused as bad requests, saying why.
    expect(JSON.parse((await raw("/api/v1/models/..%2Foutside%2Fsecret.gguf")).body)).toEqual({ error: "model reference '../outside/secret.gguf' must be a path inside the model directory, without '..'" });
    expect(JSON.parse((await raw("/api/v1/models/escape.gguf")).body)).toEqual({ error: "model reference 'escape.gguf' leads outside the model directory" });
    expect((await raw("/api/v1/models/%2Fetc%2Fpasswd")).status).toBe(400);
  });

  it("uses the model directory and Ollama the settings name; a missing directory is 404, not a 5xx", async () => {
    await using ollama = await startEmulator("ollama", { models: ["tiny:latest"] });
    await ollama.ready;
    const tags = await getJson(`/api/v1/models?ollama=${encodeURIComponent(ollama.url)}`);
    expect((tags.models as Array<Record<string, unknown>>).find((model) => model.path === "tiny:latest")).toMatchObject({ source: "ollama", format: "ollama-tag", engines: ["ollama"] });

    const other = join(home, "other-models");
    mkdirSync(other);
    await smallGguf(join(other, "only-here.gguf"));
    expect((await putSettings({ model_dir: other, ollama_url: ollama.url })).status).toBe(200);
    const listed = await getJson("/api/v1/models");
    expect(listed.dir).toBe(other);
    expect((listed.models as Array<{ path: string }>).map((model) => model.path)).toEqual(["only-here.gguf", "tiny:latest"]);

    expect((await putSettings({ model_dir: join(home, "no-such-dir"), ollama_url: null })).status).toBe(200);
    const missing = await web.fetch("/api/v1/models", { token: TOKEN });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/^model directory not found: .*no-such-dir/);
    expect((await web.fetch("/api/v1/models?ollama=file%3A%2F%2F%2Fetc%2Fpasswd", { token: TOKEN })).status).toBe(400);
    expect((await putSettings({ model_dir: null })).status).toBe(200);
  });
});
