/** `kitt models list`: the model catalog as a table and as JSON, from the built CLI. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelCatalog } from "../../src/engines/model-catalog.js";
import { GGML_TYPE_F32, type GgufMetadata } from "../../src/models/gguf.js";
import { writeGguf } from "../../src/models/gguf-writer.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { freePort } from "../support/llama.js";

const HTML_NAME = `<script>alert("x")<\\script>.gguf`;

describe("kitt models list", () => {
  const base = mkdtempSync(join(tmpdir(), "kitt-models-cli-"));
  const dir = join(base, "models");
  const home = tempKittHome();
  afterAll(() => {
    rmSync(base, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  beforeAll(async () => {
    mkdirSync(join(dir, "Qwen", "Qwen2.5-0.5B"), { recursive: true });
    const metadata: GgufMetadata = new Map([
      ["general.architecture", { type: "string", value: "llama" }],
      ["general.file_type", { type: "uint32", value: 7 }],
      ["llama.context_length", { type: "uint32", value: 4096 }],
    ]);
    const bytes = new Uint8Array(64);
    const tensors = [{ name: "w", dims: [4, 4], type: GGML_TYPE_F32, byteLength: 64, chunks: () => [bytes] }];
    await writeGguf(join(dir, "llama-q8.gguf"), { metadata, tensors });
    await writeGguf(join(dir, HTML_NAME), { metadata, tensors });
    writeFileSync(
      join(dir, "Qwen", "Qwen2.5-0.5B", "config.json"),
      JSON.stringify({ architectures: ["Qwen2ForCausalLM"], model_type: "qwen2", max_position_embeddings: 32768, torch_dtype: "bfloat16" }),
    );
    writeFileSync(join(dir, "Qwen", "Qwen2.5-0.5B", "model.safetensors"), Buffer.alloc(100));
    writeFileSync(join(dir, "broken.gguf"), "<html>not found</html>");
    symlinkSync(tmpdir(), join(dir, "tmp-link"));
  });

  it("prints a table of path, format, size, architecture, quantization, context and engines, then what is unusable", async () => {
    const result = await runKitt(["models", "list", "--dir", dir], { KITT_HOME: home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/path\s*│\s*format\s*│\s*size\s*│\s*architecture\s*│\s*quantization\s*│\s*context\s*│\s*engines/);
    expect(result.stdout).toMatch(/llama-q8\.gguf\s*│\s*gguf\s*│\s*256 B\s*│\s*llama\s*│\s*Q8_0\s*│\s*4096\s*│\s*llama_cpp, ollama/);
    expect(result.stdout).toMatch(/Qwen\/Qwen2\.5-0\.5B\s*│\s*safetensors\s*│\s*100 B\s*│\s*Qwen2ForCausalLM\s*│\s*bfloat16\s*│\s*32768\s*│\s*vllm, sglang, tgi, mlx/);
    expect(result.stdout).toContain("not usable:\n  broken.gguf: not a GGUF file (bad magic)\n  tmp-link: symlink leads outside the model directory (not followed)\n");
    expect(result.stderr).toBe("");
  });

  it("--json prints every entry with its facts, names exactly as on disk", async () => {
    const result = await runKitt(["models", "list", "--dir", dir, "--json"], { KITT_HOME: home });
    expect(result.code, result.stderr).toBe(0);
    const catalog = JSON.parse(result.stdout) as ModelCatalog;
    expect(catalog.models.map((model) => model.path)).toEqual([HTML_NAME, "Qwen/Qwen2.5-0.5B", "broken.gguf", "llama-q8.gguf", "tmp-link"]);
    expect(catalog.models.find((model) => model.path === "llama-q8.gguf")).toMatchObject({
      source: "file",
      format: "gguf",
      facts: { architecture: "llama", quantization: "Q8_0", contextLength: 4096, parameters: 16 },
      engines: ["llama_cpp", "ollama"],
    });
    expect(catalog.models.find((model) => model.path === "broken.gguf")).toMatchObject({ problem: "not a GGUF file (bad magic)", engines: [] });
    // The JSON carries the name as it is; a page showing it must escape it.
    expect(result.stdout).toContain(JSON.stringify(HTML_NAME));
  });

  it("reads KITT_MODEL_DIR when --dir is not given", async () => {
    const result = await runKitt(["models", "list", "--json"], { KITT_HOME: home, KITT_MODEL_DIR: join(dir, "Qwen") });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as ModelCatalog).models.map((model) => model.path)).toEqual(["Qwen2.5-0.5B"]);
  });

  it("says in one line when the model directory is missing, exit 3", async () => {
    const result = await runKitt(["models", "list"], { KITT_HOME: home, KITT_MODEL_DIR: undefined });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`kitt: error: model directory not found: ${join(home, "models")} (ENOENT)\n`);
    expect(result.stdout).toBe("");
  });

  it("notes an Ollama that does not answer on stderr and still lists the directory", async () => {
    const port = await freePort();
    const result = await runKitt(["models", "list", "--dir", dir, "--ollama", `http://127.0.0.1:${port}`], { KITT_HOME: home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("llama-q8.gguf");
    expect(result.stderr).toMatch(new RegExp(`^kitt: Ollama tags not listed: cannot reach Ollama at http://127\\.0\\.0\\.1:${port}/api/tags: .*\\n$`));
  });

  it("refuses an --ollama value that is not an http(s) URL, exit 2", async () => {
    const result = await runKitt(["models", "list", "--dir", dir, "--ollama", "ftp://x"], { KITT_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--ollama <url>' argument 'ftp:\/\/x' is invalid\. expected an http\(s\) URL/);
  });
});
