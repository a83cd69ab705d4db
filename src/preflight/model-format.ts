/**
 * Works out what format a model is in from what is on disk, before any engine starts:
 * a `.gguf` file or a folder holding one; safetensors or PyTorch weights; GPTQ, AWQ or EXL2
 * from the folder's `config.json`; MLX from its quantization block or `.npz` weights.
 */
import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { KittError } from "../errors.js";

export type ModelFormat = "gguf" | "safetensors" | "pytorch" | "gptq" | "awq" | "exl2" | "mlx" | "ollama-tag";

export interface DetectedModel {
  format: ModelFormat;
  /** The path the user gave, resolved. */
  path: string;
  /** Folder to mount into a container. */
  dir: string;
  /** File inside `dir` that engines load directly (GGUF), if any. */
  file?: string;
  /** Name engines serve the model under. */
  name: string;
}

/** An Ollama registry tag such as `llama3.2:1b` or `qwen2.5`, which is not a path on disk. */
export function looksLikeOllamaTag(model: string): boolean {
  return /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9._-]+)?(:[a-zA-Z0-9._-]+)?$/.test(model) && !model.endsWith(".gguf");
}

export async function detectModelFormat(path: string): Promise<DetectedModel> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new KittError("MODEL_NOT_FOUND", `model path not found: ${path}`);
  if (info.isFile()) {
    if (isGgufName(path)) {
      await assertGgufMagic(path);
      return { format: "gguf", path, dir: join(path, ".."), file: basename(path), name: basename(path) };
    }
    throw new KittError("UNSUPPORTED_FORMAT", `cannot tell the format of ${path}: a model file must be .gguf, otherwise give its folder`);
  }
  const entries = (await readdir(path)).sort();
  const format = classifyModelFolder(entries, await readJson(join(path, "config.json")));
  const name = basename(path);
  const base = { path, dir: path, name };
  if (format === "gguf") {
    const gguf = entries.find(isGgufName) as string;
    await assertGgufMagic(join(path, gguf));
    return { ...base, format: "gguf", file: gguf, name: gguf };
  }
  if (format) return { ...base, format };
  throw new KittError("UNSUPPORTED_FORMAT", `no model weights found in ${path} (looked for ${WEIGHT_FILES})`);
}

export const WEIGHT_FILES = "*.gguf, *.safetensors, pytorch_model.bin/*.pt, *.npz";

export function isGgufName(name: string): boolean {
  return name.toLowerCase().endsWith(".gguf");
}

/** Whether a file in a model folder holds weights: the files whose names decide the folder's format. */
export function isWeightFile(name: string): boolean {
  return /\.(safetensors|bin|pt|pth|npz)$/.test(name) || isGgufName(name);
}

/**
 * A folder's format from its file names and its parsed `config.json`, in order of precedence:
 * a quantization method the config names, MLX, safetensors, PyTorch, then GGUF (the first
 * `.gguf` file is the model). Undefined when it holds no weights.
 */
export function classifyModelFolder(entries: readonly string[], config: Record<string, unknown> | undefined): ModelFormat | undefined {
  const quant = quantMethod(config);
  if (quant === "gptq" || quant === "awq" || quant === "exl2") return quant;
  if (entries.some((entry) => entry.endsWith(".npz")) || isMlxQuantized(config)) return "mlx";
  if (entries.some((entry) => entry.endsWith(".safetensors"))) return "safetensors";
  if (entries.some((entry) => /\.(bin|pt|pth)$/.test(entry))) return "pytorch";
  if (entries.some(isGgufName)) return "gguf";
  return undefined;
}

const GGUF_MAGIC = "GGUF";

/** A file named `.gguf` that is not one (a text file, an HTML error page saved by a download) stops here, not in the engine. */
async function assertGgufMagic(file: string): Promise<void> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw new KittError("MODEL_NOT_FOUND", `cannot read the model file ${file}: ${error.code ?? error.message}`);
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(GGUF_MAGIC.length), 0, GGUF_MAGIC.length, 0);
    if (bytesRead < GGUF_MAGIC.length || buffer.toString("latin1") !== GGUF_MAGIC) {
      throw new KittError("UNSUPPORTED_FORMAT", `${file} is not a GGUF file (it does not start with the bytes "GGUF"); is the download complete?`);
    }
  } finally {
    await handle.close();
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** `config.json`'s `quantization_config` method (gptq, awq, exl2, fp8…), lower-cased. */
export function quantMethod(config: Record<string, unknown> | undefined): string | undefined {
  const quant = config?.quantization_config as Record<string, unknown> | undefined;
  const method = quant?.quant_method ?? quant?.method;
  return typeof method === "string" ? method.toLowerCase() : undefined;
}

/** mlx-lm writes `"quantization": {"group_size": …, "bits": …}` at the top level of config.json. */
function isMlxQuantized(config: Record<string, unknown> | undefined): boolean {
  const quant = config?.quantization as Record<string, unknown> | undefined;
  return typeof quant?.group_size === "number" && typeof quant?.bits === "number";
}
