import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GGML_TYPE_F32, metadataNumber, metadataString, readGgufHeader, type GgufHeader } from "../../src/models/gguf.js";
import { TINY_MODEL_FILE, ensureTinyModel, generateTinyModel, tinyModelPath } from "../../src/models/tiny-model.js";
import { LLAMA_SPM_VOCAB } from "../../src/setup/llama-cpp-paths.js";
import { requireVocabFile } from "../support/llama.js";

const vocabPath = await requireVocabFile();

describe.skipIf(!vocabPath)("tiny llama model", () => {
  const dir = mkdtempSync(join(tmpdir(), "kitt-tiny-"));
  const modelPath = join(dir, "seed-42.gguf");
  let header: GgufHeader;
  let file: Buffer;

  beforeAll(async () => {
    await generateTinyModel({ vocabPath: vocabPath as string, outPath: modelPath, seed: 42 });
    header = await readGgufHeader(modelPath);
    file = readFileSync(modelPath);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function floats(name: string): Float32Array {
    const tensor = header.tensors.find((candidate) => candidate.name === name);
    if (!tensor) throw new Error(`no tensor ${name}`);
    const count = tensor.dims.reduce((product, dim) => product * dim, 1);
    const start = header.dataOffset + tensor.offset;
    const copy = file.subarray(start, start + count * 4);
    return new Float32Array(copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength));
  }

  it("has the llama architecture keys and the vocabulary's tokenizer", async () => {
    const { metadata } = header;
    expect(metadataString(metadata, "general.architecture")).toBe("llama");
    expect(metadataNumber(metadata, "general.file_type")).toBe(0);
    expect(metadataNumber(metadata, "llama.context_length")).toBe(2048);
    expect(metadataNumber(metadata, "llama.embedding_length")).toBe(64);
    expect(metadataNumber(metadata, "llama.block_count")).toBe(2);
    expect(metadataNumber(metadata, "llama.feed_forward_length")).toBe(256);
    expect(metadataNumber(metadata, "llama.attention.head_count")).toBe(4);
    expect(metadataNumber(metadata, "llama.attention.head_count_kv")).toBe(4);
    expect(metadataNumber(metadata, "llama.rope.dimension_count")).toBe(16);
    expect(metadataNumber(metadata, "llama.attention.layer_norm_rms_epsilon")).toBeCloseTo(1e-5, 10);

    const vocab = await readGgufHeader(vocabPath as string);
    const tokenizerKeys = [...vocab.metadata.keys()].filter((key) => key.startsWith("tokenizer."));
    expect(tokenizerKeys.length).toBeGreaterThan(5);
    for (const key of tokenizerKeys) expect(metadata.get(key), key).toEqual(vocab.metadata.get(key));
    expect(metadataString(metadata, "tokenizer.ggml.model")).toBe("llama");
  });

  it("has every llama tensor in F32, dims innermost first", () => {
    const shapes = Object.fromEntries(header.tensors.map((tensor) => [tensor.name, tensor.dims]));
    const expected: Record<string, number[]> = {
      "token_embd.weight": [64, 32_000],
      "output_norm.weight": [64],
      "output.weight": [64, 32_000],
    };
    for (const block of [0, 1]) {
      Object.assign(expected, {
        [`blk.${block}.attn_norm.weight`]: [64],
        [`blk.${block}.attn_q.weight`]: [64, 64],
        [`blk.${block}.attn_k.weight`]: [64, 64],
        [`blk.${block}.attn_v.weight`]: [64, 64],
        [`blk.${block}.attn_output.weight`]: [64, 64],
        [`blk.${block}.ffn_norm.weight`]: [64],
        [`blk.${block}.ffn_gate.weight`]: [64, 256],
        [`blk.${block}.ffn_up.weight`]: [64, 256],
        [`blk.${block}.ffn_down.weight`]: [256, 64],
      });
    }
    expect(shapes).toEqual(expected);
    expect(header.tensors.every((tensor) => tensor.type === GGML_TYPE_F32)).toBe(true);
  });

  it("aligns the data section and every tensor, and ends after the last tensor", () => {
    expect(header.alignment).toBe(32);
    expect(header.dataOffset % 32).toBe(0);
    for (const tensor of header.tensors) expect(tensor.offset % 32, tensor.name).toBe(0);
    const last = header.tensors.reduce((a, b) => (a.offset > b.offset ? a : b));
    const lastBytes = last.dims.reduce((product, dim) => product * dim, 4);
    expect(file.length).toBeGreaterThanOrEqual(header.dataOffset + last.offset + lastBytes);
    expect(file.length).toBeLessThan(header.dataOffset + last.offset + lastBytes + 32);
    expect(file.length / 1e6).toBeGreaterThan(16.5);
    expect(file.length / 1e6).toBeLessThan(18);
  });

  it("sets norm weights to 1 and draws the others from N(0, 0.02)", () => {
    expect(floats("blk.1.ffn_norm.weight").every((value) => value === 1)).toBe(true);
    expect(floats("output_norm.weight").every((value) => value === 1)).toBe(true);
    const weights = floats("token_embd.weight");
    const mean = weights.reduce((sum, value) => sum + value, 0) / weights.length;
    const variance = weights.reduce((sum, value) => sum + (value - mean) ** 2, 0) / weights.length;
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(Math.sqrt(variance)).toBeCloseTo(0.02, 3);
    expect(floats("blk.0.attn_q.weight")).not.toEqual(floats("blk.0.attn_k.weight"));
  });

  it("is byte-for-byte reproducible from its seed, and differs for another seed", async () => {
    const again = join(dir, "seed-42-again.gguf");
    const other = join(dir, "seed-7.gguf");
    await generateTinyModel({ vocabPath: vocabPath as string, outPath: again, seed: 42 });
    await generateTinyModel({ vocabPath: vocabPath as string, outPath: other, seed: 7 });
    expect(readFileSync(again).equals(file)).toBe(true);
    const otherFile = readFileSync(other);
    expect(otherFile.length).toBe(file.length);
    expect(otherFile.equals(file)).toBe(false);
  });

  it("is generated once into the cache from the cached vocabulary", async () => {
    const env = { ...process.env, KITT_CACHE_DIR: join(dir, "cache") };
    mkdirSync(join(dir, "cache", "llama.cpp", "vocab"), { recursive: true });
    copyFileSync(vocabPath as string, join(dir, "cache", "llama.cpp", "vocab", LLAMA_SPM_VOCAB));

    const path = await ensureTinyModel({ env });
    expect(path).toBe(join(dir, "cache", "models", TINY_MODEL_FILE));
    expect(tinyModelPath(env)).toBe(path);
    expect(readFileSync(path).equals(file)).toBe(true);
    const firstWrite = statSync(path).mtimeMs;
    expect(await ensureTinyModel({ env })).toBe(path);
    expect(statSync(path).mtimeMs).toBe(firstWrite);
  });
});
