/**
 * A tiny llama model with random weights (~17 MB, F32), generated rather than downloaded: the
 * tokenizer key/values of a tokenizer-only GGUF from llama.cpp's source tree, llama architecture
 * keys, and seeded N(0, 0.02) weights (norm weights 1.0). It produces gibberish at full speed,
 * which is what load, lifecycle and pipeline tests need. Same seed, same bytes.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir } from "../config/paths.js";
import { KittError } from "../errors.js";
import { replaceAtomically } from "../fs/atomic-file.js";
import { ensureVocabFile } from "../setup/llama-cpp-source.js";
import { GGML_TYPE_F32, readGgufHeader, type GgufMetadata, type GgufValue } from "./gguf.js";
import { writeGguf, type GgufTensorSource } from "./gguf-writer.js";
import { deriveSeed, normalSampler } from "./seeded-random.js";

export const TINY_MODEL_FILE = "kitt-tiny-llama.gguf";
export const TINY_MODEL_SEED = 42;

export const TINY_LLAMA = {
  contextLength: 2048,
  embeddingLength: 64,
  blockCount: 2,
  feedForwardLength: 256,
  headCount: 4,
  headCountKv: 4,
  rmsEpsilon: 1e-5,
  ropeDimensionCount: 16,
  weightStd: 0.02,
} as const;

const FLOATS_PER_CHUNK = 64 * 1024;

export function tinyModelPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), "models", TINY_MODEL_FILE);
}

/**
 * One seeded F32 tensor, N(0, std) (norm weights 1.0); `shape` is numpy order (outermost first),
 * stored reversed as GGUF wants.
 */
export function f32Tensor(name: string, shape: readonly number[], seed: number, std: number = TINY_LLAMA.weightStd): GgufTensorSource {
  const count = shape.reduce((product, dim) => product * dim, 1);
  const isNorm = name.endsWith("_norm.weight");
  return {
    name,
    dims: [...shape].reverse(),
    type: GGML_TYPE_F32,
    byteLength: count * 4,
    *chunks() {
      const sample = normalSampler(deriveSeed(seed, name), 0, std);
      for (let start = 0; start < count; start += FLOATS_PER_CHUNK) {
        const length = Math.min(FLOATS_PER_CHUNK, count - start);
        const chunk = new DataView(new ArrayBuffer(length * 4));
        for (let i = 0; i < length; i++) chunk.setFloat32(i * 4, isNorm ? 1 : sample(), true);
        yield new Uint8Array(chunk.buffer);
      }
    },
  };
}

function tinyLlamaTensors(vocabSize: number, seed: number): GgufTensorSource[] {
  const { embeddingLength: embd, feedForwardLength: ff, blockCount } = TINY_LLAMA;
  const tensors = [
    f32Tensor("token_embd.weight", [vocabSize, embd], seed),
    f32Tensor("output_norm.weight", [embd], seed),
    f32Tensor("output.weight", [vocabSize, embd], seed),
  ];
  for (let block = 0; block < blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      f32Tensor(`${prefix}.attn_norm.weight`, [embd], seed),
      f32Tensor(`${prefix}.attn_q.weight`, [embd, embd], seed),
      f32Tensor(`${prefix}.attn_k.weight`, [embd, embd], seed),
      f32Tensor(`${prefix}.attn_v.weight`, [embd, embd], seed),
      f32Tensor(`${prefix}.attn_output.weight`, [embd, embd], seed),
      f32Tensor(`${prefix}.ffn_norm.weight`, [embd], seed),
      f32Tensor(`${prefix}.ffn_gate.weight`, [ff, embd], seed),
      f32Tensor(`${prefix}.ffn_up.weight`, [ff, embd], seed),
      f32Tensor(`${prefix}.ffn_down.weight`, [embd, ff], seed),
    );
  }
  return tensors;
}

function tinyLlamaMetadata(tokenizer: GgufMetadata): GgufMetadata {
  const u32 = (value: number): GgufValue => ({ type: "uint32", value });
  const metadata: GgufMetadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: "kitt-tiny-llama" }],
    ["general.file_type", u32(0)], // all F32
    ["llama.context_length", u32(TINY_LLAMA.contextLength)],
    ["llama.embedding_length", u32(TINY_LLAMA.embeddingLength)],
    ["llama.block_count", u32(TINY_LLAMA.blockCount)],
    ["llama.feed_forward_length", u32(TINY_LLAMA.feedForwardLength)],
    ["llama.attention.head_count", u32(TINY_LLAMA.headCount)],
    ["llama.attention.head_count_kv", u32(TINY_LLAMA.headCountKv)],
    ["llama.attention.layer_norm_rms_epsilon", { type: "float32", value: TINY_LLAMA.rmsEpsilon }],
    ["llama.rope.dimension_count", u32(TINY_LLAMA.ropeDimensionCount)],
  ]);
  for (const [key, value] of tokenizer) if (key.startsWith("tokenizer.")) metadata.set(key, value);
  return metadata;
}

/** Writes the tiny model to `outPath` (atomically) using the tokenizer of the GGUF at `vocabPath`. */
export async function generateTinyModel(options: { vocabPath: string; outPath: string; seed?: number }): Promise<void> {
  const vocab = await readGgufHeader(options.vocabPath);
  const tokens = vocab.metadata.get("tokenizer.ggml.tokens");
  if (tokens?.type !== "array" || tokens.itemType !== "string" || tokens.value.length === 0) {
    throw new KittError("UNSUPPORTED_FORMAT", `${options.vocabPath} has no tokenizer.ggml.tokens list`);
  }
  const contents = {
    metadata: tinyLlamaMetadata(vocab.metadata),
    tensors: tinyLlamaTensors(tokens.value.length, options.seed ?? TINY_MODEL_SEED),
  };
  await replaceAtomically(options.outPath, (temp) => writeGguf(temp, contents));
}

/**
 * Path of the cached tiny model (`cacheDir()/models/kitt-tiny-llama.gguf`), generated on first
 * use from the cached llama.cpp vocabulary (which is fetched when absent).
 */
export async function ensureTinyModel(options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const env = options.env ?? process.env;
  const outPath = tinyModelPath(env);
  if (existsSync(outPath)) return outPath;
  const vocabPath = await ensureVocabFile(undefined, { env });
  await mkdir(join(cacheDir(env), "models"), { recursive: true });
  await generateTinyModel({ vocabPath, outPath });
  return outPath;
}
