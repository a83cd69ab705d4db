/**
 * A tiny LoRA adapter for the tiny test model (`tiny-model.ts`), generated rather than
 * downloaded: llama.cpp's adapter GGUF (`general.type = "adapter"`, `adapter.type = "lora"`,
 * `adapter.lora.alpha`) with seeded `lora_a` [rank, in] and `lora_b` [out, rank] pairs for the
 * attention and feed-forward weights of every block. Its deltas are several times the base
 * weights, so a completion with it applied differs from the base model's. Same seed, same bytes.
 */
import { replaceAtomically } from "../fs/atomic-file.js";
import type { GgufMetadata, GgufValue } from "./gguf.js";
import { writeGguf, type GgufTensorSource } from "./gguf-writer.js";
import { f32Tensor, TINY_LLAMA } from "./tiny-model.js";

export const TINY_LORA_SEED = 7;
export const TINY_LORA_RANK = 4;
/** Each of `lora_a` and `lora_b` is N(0, 0.2): the delta `B·A` (scale alpha/rank = 1) is about 0.08 a weight, four times the base's 0.02. */
const LORA_STD = 0.2;

/** The adapted base weights of one block, as `[name, out, in]` in numpy order. */
function blockTargets(block: number): Array<[string, number, number]> {
  const { embeddingLength: embd, feedForwardLength: ff } = TINY_LLAMA;
  return [
    [`blk.${block}.attn_q.weight`, embd, embd],
    [`blk.${block}.attn_v.weight`, embd, embd],
    [`blk.${block}.ffn_up.weight`, ff, embd],
    [`blk.${block}.ffn_down.weight`, embd, ff],
  ];
}

function loraTensors(seed: number, rank: number): GgufTensorSource[] {
  const tensors: GgufTensorSource[] = [];
  for (let block = 0; block < TINY_LLAMA.blockCount; block++) {
    for (const [name, out, input] of blockTargets(block)) {
      tensors.push(f32Tensor(`${name}.lora_a`, [rank, input], seed, LORA_STD), f32Tensor(`${name}.lora_b`, [out, rank], seed, LORA_STD));
    }
  }
  return tensors;
}

function loraMetadata(rank: number): GgufMetadata {
  return new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.type", { type: "string", value: "adapter" }],
    ["general.name", { type: "string", value: "kitt-tiny-lora" }],
    ["adapter.type", { type: "string", value: "lora" }],
    // llama.cpp scales the delta by alpha / rank.
    ["adapter.lora.alpha", { type: "float32", value: rank }],
  ]);
}

/** Writes the tiny LoRA GGUF to `outPath` (atomically). Different seeds give different adapters. */
export async function generateTinyLora(options: { outPath: string; seed?: number; rank?: number }): Promise<void> {
  const rank = options.rank ?? TINY_LORA_RANK;
  const contents = { metadata: loraMetadata(rank), tensors: loraTensors(options.seed ?? TINY_LORA_SEED, rank) };
  await replaceAtomically(options.outPath, (temp) => writeGguf(temp, contents));
}
