import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { detectModelFormat, looksLikeOllamaTag } from "../../src/preflight/model-format.js";

let root: string;

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kitt-format-"));
});

describe("detectModelFormat", () => {
  it("recognises a GGUF file and a folder holding GGUF files (first by name)", async () => {
    const dir = await folder("gguf", { "b.gguf": "GGUF\x03", "a.gguf": "GGUF\x03" });
    expect(await detectModelFormat(join(dir, "b.gguf"))).toMatchObject({ format: "gguf", dir, file: "b.gguf", name: "b.gguf" });
    expect(await detectModelFormat(dir)).toMatchObject({ format: "gguf", dir, file: "a.gguf" });
  });

  it("recognises safetensors, pytorch, gptq, awq, exl2 and mlx folders", async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ["st", { "model.safetensors": "", "config.json": "{}" }, "safetensors"],
      ["pt", { "pytorch_model.bin": "", "config.json": "{}" }, "pytorch"],
      ["gptq", { "model.safetensors": "", "config.json": '{"quantization_config":{"quant_method":"gptq","bits":4}}' }, "gptq"],
      ["awq", { "model.safetensors": "", "config.json": '{"quantization_config":{"quant_method":"awq"}}' }, "awq"],
      ["exl2", { "output.safetensors": "", "config.json": '{"quantization_config":{"quant_method":"exl2","bits":4.0}}' }, "exl2"],
      ["mlx", { "model.safetensors": "", "config.json": '{"quantization":{"group_size":64,"bits":4}}' }, "mlx"],
    ];
    for (const [name, files, format] of cases) {
      expect((await detectModelFormat(await folder(name, files))).format, name).toBe(format);
    }
  });

  it("refuses missing paths and folders without weights with distinct codes", async () => {
    const missing = await detectModelFormat(join(root, "nope")).catch((e: unknown) => e);
    expect((missing as KittError).code).toBe("MODEL_NOT_FOUND");
    const empty = await detectModelFormat(await folder("empty", { "README.md": "hi" })).catch((e: unknown) => e);
    expect((empty as KittError).code).toBe("UNSUPPORTED_FORMAT");
    const text = await detectModelFormat(join(await folder("txt", { "model.txt": "x" }), "model.txt")).catch((e: unknown) => e);
    expect((text as KittError).code).toBe("UNSUPPORTED_FORMAT");
  });

  it("refuses a file named .gguf that is not GGUF (a text file, a half-written download) before any engine starts", async () => {
    const dir = await folder("fake-gguf", { "model.gguf": "<html>404 Not Found</html>", "empty.gguf": "" });
    for (const path of [join(dir, "model.gguf"), join(dir, "empty.gguf"), dir]) {
      const error = await detectModelFormat(path).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(KittError);
      expect((error as KittError).code).toBe("UNSUPPORTED_FORMAT");
      expect((error as KittError).message).toMatch(/is not a GGUF file/);
    }
  });

  it("tells Ollama tags from paths", () => {
    expect(looksLikeOllamaTag("llama3.2:1b")).toBe(true);
    expect(looksLikeOllamaTag("qwen2.5")).toBe(true);
    expect(looksLikeOllamaTag("/models/x.gguf")).toBe(false);
    expect(looksLikeOllamaTag("x.gguf")).toBe(false);
  });
});
