/**
 * The runtime's LoRA routes against the vLLM and SGLang emulators (their load, unload and
 * listing routes and error bodies as the engines answer them): load, list and unload; the one
 * line a person gets when vLLM runs without runtime LoRA updating; one download for loads that
 * arrive together; names and paths that would leave the cache refused; a stopped engine.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdapterCache } from "../../src/runtime-sidecar/lora/adapter-cache.js";
import { startEmulator, type RunningEmulator } from "../emulators/index.mjs";
import { startProgram } from "../support/cli.js";
import { freePort } from "../support/llama.js";
import { countingDownloader, serveLoraRoutes, type CountingFetcher, type LoraRuntime } from "../support/lora-runtime.js";

let dir: string;
/** A PEFT adapter folder as vLLM and SGLang read it. */
let adapter: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kitt-lora-routes-"));
  adapter = join(dir, "sql-lora");
  await mkdir(adapter);
  await writeFile(join(adapter, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] }));
  await writeFile(join(adapter, "adapter_model.safetensors"), Buffer.alloc(64));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An emulated engine with the runtime's routes in front of it, its own cache and a counting fetcher. */
async function runtimeFor(engine: "vllm" | "sglang", options: Parameters<typeof startEmulator>[1], fetcher: CountingFetcher = countingDownloader()) {
  const emulator = await startEmulator(engine, { model: "base-model", ...options });
  await emulator.ready;
  const cacheDir = await mkdtemp(join(dir, "cache-"));
  const runtime = await serveLoraRoutes({ engine, engineBaseUrl: emulator.url, cacheDir, fetchArtifact: fetcher.fetch });
  return {
    emulator,
    runtime,
    fetcher,
    cacheDir,
    async [Symbol.asyncDispose]() {
      await runtime.close();
      await emulator.close();
    },
  };
}

async function engineModels(emulator: RunningEmulator): Promise<Array<Record<string, unknown>>> {
  return ((await (await fetch(`${emulator.url}/v1/models`)).json()) as { data: Array<Record<string, unknown>> }).data;
}

/** vLLM serves a loaded adapter under its name as a request's `model`. */
async function completionStatus(emulator: RunningEmulator, model: string): Promise<number> {
  const response = await fetch(`${emulator.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, prompt: "SELECT", max_tokens: 2 }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("vLLM with runtime LoRA updating (emulated)", () => {
  it("loads, lists and unloads an adapter, and vLLM's own /v1/models shows it with its parent", async () => {
    await using setup = await runtimeFor("vllm", { enableLora: true, allowRuntimeLoraUpdating: true });
    const { runtime, emulator } = setup;
    const loaded = await runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(loaded.status).toBe(200);
    const cached = loaded.body.path as string;
    expect(cached).toMatch(new RegExp(`^${setup.cacheDir}/sql/[0-9a-f]{16}$`));
    expect(JSON.parse(await readFile(join(cached, "adapter_config.json"), "utf8"))).toMatchObject({ peft_type: "LORA" });
    expect(await runtime.call("/v1/lora")).toEqual({ status: 200, body: { engine: "vllm", adapters: [{ name: "sql", path: cached, parent: "base-model", loaded: true }] } });
    expect((await engineModels(emulator)).map((card) => [card.id, card.parent])).toEqual([["base-model", null], ["sql", "base-model"]]);
    expect(await completionStatus(emulator, "sql")).toBe(200);

    const again = await runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      code: "LORA_REFUSED",
      error: "vLLM refused to load adapter 'sql' (400): The lora adapter 'sql' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.",
    });

    expect(await runtime.call("/v1/lora/unload", { lora_name: "sql" })).toEqual({ status: 200, body: { status: "unloaded", engine: "vllm", lora_name: "sql" } });
    expect((await runtime.call("/v1/lora")).body.adapters).toEqual([]);
    expect(await completionStatus(emulator, "sql")).toBe(404);
    const gone = await runtime.call("/v1/lora/unload", { lora_name: "sql" });
    expect(gone).toEqual({ status: 409, body: { code: "LORA_REFUSED", error: "vLLM refused to unload adapter 'sql' (404): The lora adapter 'sql' cannot be found." } });
  });

  it("says in one line that vLLM needs VLLM_ALLOW_RUNTIME_LORA_UPDATING when the routes are missing", async () => {
    await using setup = await runtimeFor("vllm", { enableLora: true });
    const answer = await setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      code: "LORA_REFUSED",
      error: `vLLM at ${setup.emulator.url} cannot load adapters at run time (POST /v1/load_lora_adapter answered 404): start vLLM with --enable-lora and the environment variable VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`,
    });
    const unload = await setup.runtime.call("/v1/lora/unload", { lora_name: "sql" });
    expect(unload.body.error).toMatch(/^vLLM at http:\S+ cannot unload adapters at run time \(POST \/v1\/unload_lora_adapter answered 404\): start vLLM with/);
  });

  it("passes on vLLM's refusal when it runs without --enable-lora", async () => {
    await using setup = await runtimeFor("vllm", { allowRuntimeLoraUpdating: true });
    const answer = await setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(answer).toEqual({ status: 409, body: { code: "LORA_REFUSED", error: "vLLM refused to load adapter 'sql' (400): LoRA is not enabled. Use --enable-lora to enable LoRA." } });
  });

  it("downloads once and loads once when the same adapter is asked for five times at once", async () => {
    await using setup = await runtimeFor("vllm", { enableLora: true, allowRuntimeLoraUpdating: true }, countingDownloader(300));
    const answers = await Promise.all(Array.from({ length: 5 }, () => setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.body.path)).size).toBe(1);
    expect(setup.fetcher.calls).toEqual([adapter]);
    expect(setup.emulator.logs.filter((line) => line.includes("Loaded new LoRA adapter: name 'sql'"))).toHaveLength(1);
  });

  it("refuses another URI under a name that is being loaded", async () => {
    await using setup = await runtimeFor("vllm", { enableLora: true, allowRuntimeLoraUpdating: true }, countingDownloader(300));
    const first = setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = await setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: `${adapter}-v2` });
    expect(other).toEqual({ status: 409, body: { code: "LORA_REFUSED", error: `adapter 'sql' is being loaded from ${adapter} right now; wait for it, then unload it first` } });
    expect((await first).status).toBe(200);
  });
});

describe("the vLLM emulator as a process", () => {
  it("has the load route only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment, and loads with --enable-lora", async () => {
    const bin = fileURLToPath(new URL("../emulators/bin/vllm.mjs", import.meta.url));
    for (const allowed of ["True", "0"]) {
      const port = await freePort();
      const vllm = startProgram(process.execPath, [bin, "serve", "org/base-model", "--host", "127.0.0.1", "--port", String(port), "--enable-lora"], { VLLM_ALLOW_RUNTIME_LORA_UPDATING: allowed });
      try {
        await vllm.waitFor(/Application startup complete/, 30_000);
        const response = await fetch(`http://127.0.0.1:${port}/v1/load_lora_adapter`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ lora_name: "sql", lora_path: adapter }),
        });
        if (allowed === "True") {
          expect([response.status, await response.text()]).toEqual([200, "Success: LoRA adapter 'sql' added successfully."]);
          expect(vllm.stdout()).toMatch(/WARNING .* LoRA dynamic loading & unloading is enabled in the API server/);
        } else {
          expect([response.status, await response.json()]).toEqual([404, { detail: "Not Found" }]);
        }
      } finally {
        vllm.child.kill("SIGTERM");
        await vllm.done;
      }
    }
  });
});

describe("SGLang (emulated)", () => {
  it("loads, lists and unloads an adapter", async () => {
    await using setup = await runtimeFor("sglang", { enableLora: true });
    const loaded = await setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(loaded.status).toBe(200);
    expect((await setup.runtime.call("/v1/lora")).body.adapters).toEqual([{ name: "sql", path: loaded.body.path, parent: "base-model", loaded: true }]);
    expect((await setup.runtime.call("/v1/lora/unload", { lora_name: "sql" })).status).toBe(200);
    expect((await setup.runtime.call("/v1/lora")).body.adapters).toEqual([]);
    const gone = await setup.runtime.call("/v1/lora/unload", { lora_name: "sql" });
    expect(gone).toEqual({ status: 409, body: { code: "LORA_REFUSED", error: "SGLang refused to unload adapter 'sql' (400): LoRA with name sql does not exist. Loaded LoRAs: dict_keys([])" } });
  });

  it("passes on SGLang's refusal when it runs without --enable-lora", async () => {
    await using setup = await runtimeFor("sglang", {});
    const answer = await setup.runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(answer).toEqual({ status: 409, body: { code: "LORA_REFUSED", error: "SGLang refused to load adapter 'sql' (400): LoRA is not enabled. Please set `--enable-lora` to enable LoRA." } });
  });
});

describe("requests the routes refuse", () => {
  let runtime: LoraRuntime;
  let fetcher: CountingFetcher;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator("vllm", { model: "base-model", enableLora: true, allowRuntimeLoraUpdating: true });
    await emulator.ready;
    fetcher = countingDownloader();
    runtime = await serveLoraRoutes({ engine: "vllm", engineBaseUrl: emulator.url, cacheDir: join(dir, "refusals"), fetchArtifact: fetcher.fetch });
  });
  afterAll(async () => {
    await runtime?.close();
    await emulator?.close();
  });

  it.each(["../escape", "a/b", ".hidden", "x".repeat(129), "sp ace", "..", "a\\b"])("refuses the adapter name %j before anything is fetched", async (name) => {
    const answer = await runtime.call("/v1/lora/load", { lora_name: name, artifact_url: adapter });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("USAGE");
    expect(fetcher.calls).toEqual([]);
  });

  it("refuses bodies that are not the schema, not JSON, or too large", async () => {
    const missing = await runtime.call("/v1/lora/load", { lora_name: "sql" });
    expect(missing).toEqual({ status: 400, body: { code: "USAGE", error: "artifact_url: Invalid input: expected string, received undefined" } });
    const extra = await runtime.call("/v1/lora/unload", { lora_name: "sql", force: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatch(/Unrecognized key: "force"/);
    expect(await runtime.call("/v1/lora/load", "{not json")).toEqual({ status: 400, body: { code: "USAGE", error: "the request body is not JSON" } });
    const huge = await runtime.call("/v1/lora/load", { lora_name: "sql", artifact_url: "x".repeat(20_000) });
    expect(huge).toEqual({ status: 413, body: { code: "USAGE", error: "request body over 16384 bytes" } });
    expect(fetcher.calls).toEqual([]);
  });

  it("refuses a download that lands outside the adapter's cache folder", async () => {
    await using outside = await serveLoraRoutes({ engine: "vllm", engineBaseUrl: emulator.url, cacheDir: join(dir, "outside"), fetchArtifact: async (uri) => uri });
    const answer = await outside.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("UNSAFE_PATH");
    const key = createHash("sha256").update(adapter).digest("hex").slice(0, 16);
    expect(answer.body.error).toBe(`the downloaded adapter ${adapter} lies outside its cache folder ${join(dir, "outside", "sql", key)}`);
  });

  it("says what the downloader says about an artifact that is not there, and loads nothing", async () => {
    const answer = await runtime.call("/v1/lora/load", { lora_name: "absent", artifact_url: "pvc://no/such/adapter" });
    expect(answer).toEqual({ status: 404, body: { code: "NOT_FOUND", error: "pvc://no/such/adapter: no such file or folder" } });
    expect((await runtime.call("/v1/lora")).body.adapters).toEqual([]);
  });

  it("says the engine cannot be reached when it is down, and that TGI takes no adapters", async () => {
    const port = await freePort();
    await using down = await serveLoraRoutes({ engine: "vllm", engineBaseUrl: `http://127.0.0.1:${port}`, cacheDir: join(dir, "down"), fetchArtifact: fetcher.fetch });
    const load = await down.call("/v1/lora/load", { lora_name: "sql", artifact_url: adapter });
    expect(load.status).toBe(502);
    expect(load.body.code).toBe("ENGINE_REQUEST_FAILED");
    expect(load.body.error).toMatch(new RegExp(`^cannot reach vLLM at http://127\\.0\\.0\\.1:${port}/v1/load_lora_adapter: .*ECONNREFUSED`));
    const list = await down.call("/v1/lora");
    expect(list.status).toBe(502);
    expect(list.body.error).toMatch(new RegExp(`^cannot reach vLLM at http://127\\.0\\.0\\.1:${port}/v1/models: `));

    await using tgi = await serveLoraRoutes({ engine: "tgi", engineBaseUrl: `http://127.0.0.1:${port}`, cacheDir: join(dir, "tgi"), fetchArtifact: fetcher.fetch });
    expect(await tgi.call("/v1/lora")).toEqual({ status: 409, body: { code: "LORA_REFUSED", error: "TGI cannot load LoRA adapters at run time (kitt does it for vLLM, SGLang and llama.cpp)" } });
  });
});

describe("the adapter cache shared by two runtimes", () => {
  it("downloads once when two processes' caches ask for the same adapter together (the lock file)", async () => {
    const root = join(dir, "shared");
    const fetcher = countingDownloader(300);
    const first = new AdapterCache(root, fetcher.fetch);
    const second = new AdapterCache(root, fetcher.fetch);
    const signal = new AbortController().signal;
    const [a, b] = await Promise.all([first.localPath("sql", adapter, signal), second.localPath("sql", adapter, signal)]);
    expect(a).toBe(b);
    expect(fetcher.calls).toEqual([adapter]);
    // A third, later: the completed download is recorded.
    expect(await new AdapterCache(root, fetcher.fetch).localPath("sql", adapter, signal)).toBe(a);
    expect(fetcher.calls).toHaveLength(1);
  });
});
