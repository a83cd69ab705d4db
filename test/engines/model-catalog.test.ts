import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enginesFor } from "../../src/engines/format-support.js";
import { modelCatalog, type CatalogModel, type ModelCatalog } from "../../src/engines/model-catalog.js";
import { TINY_LLAMA } from "../../src/models/tiny-model.js";
import { startEmulator } from "../emulators/index.mjs";
import { ensureTestModel, freePort, requireVocabFile } from "../support/llama.js";
import { safetensorsFile, safetensorsModel, smallGguf } from "../support/models.js";

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function entry(catalog: ModelCatalog, path: string): CatalogModel {
  const found = catalog.models.find((model) => model.path === path);
  if (!found) throw new Error(`no entry ${path} in ${catalog.models.map((model) => model.path).join(", ")}`);
  return found;
}

const vocab = await requireVocabFile();

describe.skipIf(!vocab)("model catalog: the tiny llama model", () => {
  it("lists the tiny GGUF with its header's facts and every GGUF engine, llama_cpp first", async () => {
    const dir = tempDir("kitt-models-");
    const model = await ensureTestModel();
    mkdirSync(join(dir, "tiny"));
    copyFileSync(model, join(dir, "tiny", "kitt-tiny-llama.gguf"));
    const catalog = await modelCatalog({ dir });
    const tiny = entry(catalog, "tiny/kitt-tiny-llama.gguf");
    const { embeddingLength: embd, feedForwardLength: ff, blockCount } = TINY_LLAMA;
    const vocabSize = 32_000;
    const perBlock = 2 * embd + 4 * embd * embd + 3 * ff * embd;
    expect(tiny).toMatchObject({
      source: "file",
      format: "gguf",
      sizeBytes: statSync(model).size,
      facts: { architecture: "llama", name: "kitt-tiny-llama", quantization: "F32", contextLength: 2048, parameters: 2 * vocabSize * embd + embd + blockCount * perBlock },
    });
    expect(tiny.problem).toBeUndefined();
    expect(tiny.engines).toEqual(enginesFor("gguf"));
    expect(tiny.engines).toEqual(["llama_cpp", "ollama"]);
  });
});

describe("model catalog", () => {
  let dir: string;
  let outside: string;

  beforeAll(async () => {
    dir = tempDir("kitt-models-");
    outside = tempDir("kitt-outside-");
    await smallGguf(join(dir, "qwen-q4.gguf"), 3);
    // Hugging Face folder: config.json facts, parameters from the safetensors headers (two shards).
    const hf = join(dir, "org", "Llama-Mini");
    mkdirSync(hf, { recursive: true });
    writeFileSync(
      hf + "/config.json",
      JSON.stringify({ architectures: ["LlamaForCausalLM"], model_type: "llama", max_position_embeddings: 8192, torch_dtype: "bfloat16" }),
    );
    safetensorsFile(join(hf, "model-00001-of-00002.safetensors"), { a: [4, 8], b: [8] });
    safetensorsFile(join(hf, "model-00002-of-00002.safetensors"), { c: [2, 3, 5] });
    writeFileSync(join(hf, "README.md"), "not weights");
    mkdirSync(join(dir, "gptq"));
    writeFileSync(join(dir, "gptq", "config.json"), JSON.stringify({ quantization_config: { quant_method: "GPTQ", bits: 4 } }));
    writeFileSync(join(dir, "gptq", "model.safetensors"), "");
    mkdirSync(join(dir, "half-downloaded"));
    writeFileSync(join(dir, "half-downloaded", "config.json"), "{}");
    // What must never be read: models outside the directory, reached by symlinks.
    await smallGguf(join(outside, "secret.gguf"));
    mkdirSync(join(outside, "secret-folder"));
    await smallGguf(join(outside, "secret-folder", "hidden.gguf"));
    symlinkSync(join(outside, "secret.gguf"), join(dir, "escape.gguf"));
    symlinkSync(join(outside, "secret-folder"), join(dir, "escape-folder"));
    symlinkSync("../../..", join(dir, "org", "dotdot"));
    symlinkSync("loop-b", join(dir, "loop-a"));
    symlinkSync("loop-a", join(dir, "loop-b"));
    symlinkSync("..", join(dir, "org", "parent"));
    symlinkSync("qwen-q4.gguf", join(dir, "alias.gguf"));
    writeFileSync(join(dir, "error-page.gguf"), "<!DOCTYPE html><html><body>404 Not Found</body></html>");
    writeFileSync(join(dir, "notes.txt"), "ignored");
    execFileSync("mkfifo", [join(dir, "pipe.gguf")]);
  });

  it("lists GGUF files and model folders by their path in the directory, with facts and engines", async () => {
    const catalog = await modelCatalog({ dir });
    expect(entry(catalog, "qwen-q4.gguf")).toMatchObject({
      format: "gguf",
      engines: ["llama_cpp", "ollama"],
      facts: { architecture: "qwen2", quantization: "Q4_K_M", contextLength: 32768, parameters: 12 },
    });
    const hf = entry(catalog, "org/Llama-Mini");
    expect(hf).toMatchObject({
      format: "safetensors",
      facts: { architecture: "LlamaForCausalLM", modelType: "llama", dtype: "bfloat16", contextLength: 8192, parameters: 32 + 8 + 30 },
    });
    const shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    expect(hf.sizeBytes).toBe(shards.reduce((sum, name) => sum + statSync(join(dir, "org", "Llama-Mini", name)).size, 0));
    expect(hf.engines).toEqual(enginesFor("safetensors"));
    expect(hf.engines).toContain("vllm");
    expect(hf.engines).not.toContain("llama_cpp");
    expect(entry(catalog, "gptq")).toMatchObject({ format: "gptq", facts: { quantization: "gptq" }, engines: enginesFor("gptq") });
    // A symlink inside the directory to a model inside it is followed.
    expect(entry(catalog, "alias.gguf")).toMatchObject({ format: "gguf", facts: { architecture: "qwen2" } });
    expect(catalog.models.some((model) => model.path === "notes.txt" || model.path.includes("README"))).toBe(false);
    expect(catalog.notes).toEqual([]);
  });

  it("shows the test support's safetensors folder as loadable by vLLM and the others, not llama.cpp", async () => {
    const folder = safetensorsModel();
    temps.push(dirname(folder));
    const catalog = await modelCatalog({ dir: dirname(folder) });
    const model = entry(catalog, "tiny-model");
    expect(model.format).toBe("safetensors");
    expect(model.engines).toEqual(expect.arrayContaining(["vllm", "sglang", "tgi"]));
    expect(model.engines).not.toContain("llama_cpp");
    // The model directory may itself be the model folder.
    expect((await modelCatalog({ dir: folder })).models).toMatchObject([{ path: ".", format: "safetensors" }]);
  });

  it("follows a Hugging Face cache's symlinks into its blobs, but not a config.json linked from outside", async () => {
    const cache = tempDir("kitt-models-hf-");
    const repo = join(cache, "models--org--tiny");
    mkdirSync(join(repo, "blobs"), { recursive: true });
    mkdirSync(join(repo, "snapshots", "abc123"), { recursive: true });
    writeFileSync(join(repo, "blobs", "1"), JSON.stringify({ model_type: "qwen2", max_position_embeddings: 2048 }));
    safetensorsFile(join(repo, "blobs", "2"), { w: [3, 3] });
    symlinkSync("../../blobs/1", join(repo, "snapshots", "abc123", "config.json"));
    symlinkSync("../../blobs/2", join(repo, "snapshots", "abc123", "model.safetensors"));
    const leaky = join(cache, "leaky");
    mkdirSync(leaky);
    const secretConfig = join(tempDir("kitt-outside-"), "config.json");
    writeFileSync(secretConfig, JSON.stringify({ model_type: "secret", quantization_config: { quant_method: "awq" } }));
    symlinkSync(secretConfig, join(leaky, "config.json"));
    safetensorsFile(join(leaky, "model.safetensors"), { w: [2] });

    const catalog = await modelCatalog({ dir: cache });
    expect(entry(catalog, "models--org--tiny/snapshots/abc123")).toMatchObject({
      format: "safetensors",
      sizeBytes: statSync(join(repo, "blobs", "2")).size,
      facts: { modelType: "qwen2", contextLength: 2048, parameters: 9 },
    });
    expect(entry(catalog, "leaky")).toEqual({ path: "leaky", source: "file", format: "safetensors", sizeBytes: statSync(join(leaky, "model.safetensors")).size, facts: { parameters: 2 }, engines: enginesFor("safetensors") });
    expect(entry(catalog, "leaky/config.json").problem).toBe("symlink leads outside the model directory (not followed)");
  });

  it("never follows a symlink out of the directory, and reports loops instead of hanging", async () => {
    const catalog = await modelCatalog({ dir });
    for (const path of ["escape.gguf", "escape-folder", "org/dotdot"]) {
      expect(entry(catalog, path)).toMatchObject({ problem: "symlink leads outside the model directory (not followed)", engines: [] });
      expect(entry(catalog, path).format).toBeUndefined();
    }
    expect(entry(catalog, "loop-a").problem).toBe("symlink loop");
    expect(entry(catalog, "loop-b").problem).toBe("symlink loop");
    expect(entry(catalog, "org/parent").problem).toBe("symlink to a folder listed already (.)");
    // Nothing of what lies outside shows up, whatever its name.
    expect(catalog.models.filter((model) => /secret|hidden/.test(model.path))).toEqual([]);
    expect(JSON.stringify(catalog)).not.toContain(outside);
  });

  it("reports a .gguf that is not GGUF, a named pipe and a folder without weights as unusable", async () => {
    const catalog = await modelCatalog({ dir });
    expect(entry(catalog, "error-page.gguf")).toMatchObject({ problem: "not a GGUF file (bad magic)", engines: [] });
    expect(entry(catalog, "error-page.gguf").format).toBeUndefined();
    expect(entry(catalog, "pipe.gguf")).toMatchObject({ problem: "not a regular file", engines: [] });
    expect(entry(catalog, "half-downloaded").problem).toMatch(/^config\.json but no model weights/);
  });

  it("stops at its depth and entry limits and says so", async () => {
    const deep = tempDir("kitt-models-deep-");
    mkdirSync(join(deep, "a", "b", "c"), { recursive: true });
    await smallGguf(join(deep, "a", "b", "c", "deep.gguf"));
    await smallGguf(join(deep, "a", "shallow.gguf"));
    const shallow = await modelCatalog({ dir: deep, limits: { maxDepth: 2, maxEntries: 100 } });
    expect(shallow.models.map((model) => model.path)).toEqual(["a/shallow.gguf"]);
    expect(shallow.notes).toEqual(["folders more than 2 levels below the model directory are not listed"]);
    expect((await modelCatalog({ dir: deep, limits: { maxDepth: 5, maxEntries: 100 } })).models.map((model) => model.path)).toEqual([
      "a/b/c/deep.gguf",
      "a/shallow.gguf",
    ]);

    const many = tempDir("kitt-models-many-");
    for (let i = 0; i < 30; i++) await smallGguf(join(many, `m${String(i).padStart(2, "0")}.gguf`));
    const capped = await modelCatalog({ dir: many, limits: { maxDepth: 5, maxEntries: 10 } });
    expect(capped.models).toHaveLength(10);
    expect(capped.notes).toEqual(["stopped after reading 10 directory entries: the rest of the model directory is not listed"]);
  });

  it("keeps a file name that looks like HTML as it is (escaping is the page's job)", async () => {
    const html = tempDir("kitt-models-html-");
    const name = `<img src=x onerror="alert('x')">.gguf`;
    await smallGguf(join(html, name));
    const catalog = await modelCatalog({ dir: html });
    expect(catalog.models.map((model) => model.path)).toEqual([name]);
    expect(JSON.parse(JSON.stringify(catalog)).models[0].path).toBe(name);
  });

  it("refuses a model directory that does not exist", async () => {
    await expect(modelCatalog({ dir: join(dir, "nope") })).rejects.toMatchObject({ code: "MODEL_NOT_FOUND", message: expect.stringMatching(/^model directory not found: /) });
  });

  it("defaults to KITT_MODEL_DIR, then $KITT_HOME/models", async () => {
    expect((await modelCatalog({ env: { KITT_MODEL_DIR: dir } })).models.some((model) => model.path === "qwen-q4.gguf")).toBe(true);
    const home = tempDir("kitt-home-");
    mkdirSync(join(home, "models"));
    await smallGguf(join(home, "models", "in-home.gguf"));
    expect((await modelCatalog({ env: { KITT_HOME: home } })).models.map((model) => model.path)).toEqual(["in-home.gguf"]);
  });

  it("adds the tags an Ollama server holds, loadable by Ollama alone", async () => {
    await using ollama = await startEmulator("ollama", { models: ["tiny:latest", "qwen2.5:0.5b"] });
    await ollama.ready;
    const catalog = await modelCatalog({ dir, ollamaUrl: ollama.url });
    const tag = entry(catalog, "qwen2.5:0.5b");
    expect(tag).toMatchObject({ source: "ollama", format: "ollama-tag", sizeBytes: 17_000_000, engines: ["ollama"] });
    expect(tag.facts).toEqual({ architecture: "llama", parameterSize: "4M", quantization: "F32" });
    expect(entry(catalog, "tiny:latest").source).toBe("ollama");
    expect(entry(catalog, "qwen-q4.gguf").source).toBe("file");
    expect(catalog.notes).toEqual([]);
  });

  it("notes an Ollama that does not answer, and lists the directory all the same", async () => {
    const port = await freePort();
    const catalog = await modelCatalog({ dir, ollamaUrl: `http://127.0.0.1:${port}`, ollamaTimeoutMs: 2_000 });
    expect(catalog.notes).toHaveLength(1);
    expect(catalog.notes[0]).toMatch(new RegExp(`^Ollama tags not listed: cannot reach Ollama at http://127\\.0\\.0\\.1:${port}/api/tags: .*ECONNREFUSED`));
    expect(catalog.models.some((model) => model.source === "ollama")).toBe(false);
    expect(entry(catalog, "qwen-q4.gguf").format).toBe("gguf");
  });
});
