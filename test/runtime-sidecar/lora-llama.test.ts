/**
 * LoRA through the runtime's routes on the real llama-server kitt builds, serving the tiny
 * model with a generated tiny LoRA given at start at scale 0: loading it (downloaded into the
 * cache first by kitt's downloader) changes a greedy completion, unloading it brings the base model's back, and an
 * adapter the server was not started with is refused in one clear line. Skipped without a
 * llama-server build on a developer's machine; fails in CI.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTinyLora } from "../../src/models/tiny-lora.js";
import type { NativeProcess } from "../../src/runtime/native.js";
import type { LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { greedyCompletion, requireLlamaServer, startTestLlamaServer } from "../support/llama.js";
import { countingDownloader, serveLoraRoutes, type LoraRuntime } from "../support/lora-runtime.js";

const install = await requireLlamaServer();

describe.skipIf(!install)("LoRA adapters on llama-server through the runtime's routes", () => {
  let dir: string;
  let server: NativeProcess | undefined;
  let baseUrl: string;
  let runtime: LoraRuntime | undefined;
  const fetcher = countingDownloader();
  let startedLora: string;
  let otherLora: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-lora-llama-"));
    startedLora = join(dir, "started.gguf");
    otherLora = join(dir, "other.gguf");
    await generateTinyLora({ outPath: startedLora });
    await generateTinyLora({ outPath: otherLora, seed: 99 });
    // Scale 0: loaded at start but not applied (`--lora-init-without-apply` alone does not keep this build from applying it).
    const llama = await startTestLlamaServer(install as LlamaServerInstall, ["--lora-scaled", `${startedLora}:0`]);
    server = llama.process;
    baseUrl = llama.url;
    runtime = await serveLoraRoutes({ engine: "llama_cpp", engineBaseUrl: baseUrl, cacheDir: join(dir, "cache"), fetchArtifact: fetcher.fetch });
  });

  afterAll(async () => {
    await runtime?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("load changes the completion, unload restores the base model's, and the list shows each state", async () => {
    const rt = runtime as LoraRuntime;
    const base = await greedyCompletion(baseUrl);
    expect(await greedyCompletion(baseUrl)).toBe(base);
    expect((await rt.call("/v1/lora")).body).toEqual({ engine: "llama_cpp", adapters: [{ id: 0, path: startedLora, scale: 0, loaded: false }] });

    // A volume path, as a pod mounts one: kitt's downloader copies it into the runtime's cache.
    const uri = `pvc://${startedLora.slice(1)}`;
    const loaded = await rt.call("/v1/lora/load", { lora_name: "tiny", artifact_url: uri });
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ status: "loaded", engine: "llama_cpp", lora_name: "tiny" });
    // The engine matched the cached copy to the file it was started with by content.
    expect(loaded.body.path).toMatch(new RegExp(`^${join(dir, "cache", "tiny")}/[0-9a-f]{16}$`));
    expect(await readFile(join(loaded.body.path as string, "started.gguf"))).toEqual(await readFile(startedLora));
    expect(fetcher.calls).toEqual([uri]);
    expect((await rt.call("/v1/lora")).body.adapters).toEqual([{ name: "tiny", id: 0, path: startedLora, scale: 1, loaded: true }]);
    const adapted = await greedyCompletion(baseUrl);
    expect(adapted).not.toBe(base);

    const unloaded = await rt.call("/v1/lora/unload", { lora_name: "tiny" });
    expect(unloaded).toEqual({ status: 200, body: { status: "unloaded", engine: "llama_cpp", lora_name: "tiny" } });
    expect(await greedyCompletion(baseUrl)).toBe(base);
    expect((await rt.call("/v1/lora")).body.adapters).toEqual([{ id: 0, path: startedLora, scale: 0, loaded: false }]);

    // Loading again uses the cached copy: nothing is downloaded a second time.
    expect((await rt.call("/v1/lora/load", { lora_name: "tiny", artifact_url: uri })).status).toBe(200);
    expect(await greedyCompletion(baseUrl)).toBe(adapted);
    expect(fetcher.calls).toHaveLength(1);
    expect((await rt.call("/v1/lora/unload", { lora_name: "tiny" })).status).toBe(200);
  });

  it("a restarted runtime still knows the names adapters were loaded under, and forgets one llama-server no longer has", async () => {
    const cacheDir = join(dir, "cache");
    expect((await (runtime as LoraRuntime).call("/v1/lora/load", { lora_name: "kept", artifact_url: startedLora })).status).toBe(200);
    await runtime?.close();
    runtime = await serveLoraRoutes({ engine: "llama_cpp", engineBaseUrl: baseUrl, cacheDir, fetchArtifact: fetcher.fetch });
    expect((await runtime.call("/v1/lora")).body.adapters).toEqual([{ name: "kept", id: 0, path: startedLora, scale: 1, loaded: true }]);
    expect((await runtime.call("/v1/lora/unload", { lora_name: "kept" })).status).toBe(200);
    expect((await runtime.call("/v1/lora")).body.adapters).toEqual([{ id: 0, path: startedLora, scale: 0, loaded: false }]);

    // A name kept for an id that llama-server now gives another file (restarted with other adapters) is not shown or used.
    const [namesFile] = (await readdir(cacheDir)).filter((entry) => entry.startsWith(".llama-cpp-names-"));
    expect(namesFile).toBeDefined();
    await writeFile(join(cacheDir, namesFile!), JSON.stringify({ engine: baseUrl, names: { stale: { id: 0, path: otherLora } } }));
    await runtime.close();
    runtime = await serveLoraRoutes({ engine: "llama_cpp", engineBaseUrl: baseUrl, cacheDir, fetchArtifact: fetcher.fetch });
    expect((await runtime.call("/v1/lora")).body.adapters).toEqual([{ id: 0, path: startedLora, scale: 0, loaded: false }]);
    expect((await runtime.call("/v1/lora/unload", { lora_name: "stale" })).status).toBe(409);
  });

  it("refuses an adapter the server was not started with, saying llama.cpp loads adapters only at start", async () => {
    const answer = await (runtime as LoraRuntime).call("/v1/lora/load", { lora_name: "other", artifact_url: otherLora });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe("LORA_REFUSED");
    expect(answer.body.error).toMatch(/^llama\.cpp loads adapters only at start \(--lora FILE\): adapter 'other' is none of those llama-server at http:\/\/127\.0\.0\.1:\d+ was started with \(.*started\.gguf\)$/);
    const unknown = await (runtime as LoraRuntime).call("/v1/lora/unload", { lora_name: "other" });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error).toBe("no adapter named 'other' was loaded into llama.cpp through this runtime");
  });
});
