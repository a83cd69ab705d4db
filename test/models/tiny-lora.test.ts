/** The tiny LoRA GGUF: llama.cpp's adapter keys, shapes that fit the tiny model, the same bytes from the same seed. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GGML_TYPE_F32, metadataNumber, metadataString, readGgufHeader, type GgufHeader } from "../../src/models/gguf.js";
import { generateTinyLora, TINY_LORA_RANK } from "../../src/models/tiny-lora.js";
import { TINY_LLAMA } from "../../src/models/tiny-model.js";

describe("tiny LoRA adapter", () => {
  const dir = mkdtempSync(join(tmpdir(), "kitt-tiny-lora-"));
  let header: GgufHeader;

  beforeAll(async () => {
    await generateTinyLora({ outPath: join(dir, "a.gguf") });
    header = await readGgufHeader(join(dir, "a.gguf"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is a llama LoRA adapter as llama.cpp checks it", () => {
    expect(metadataString(header.metadata, "general.architecture")).toBe("llama");
    expect(metadataString(header.metadata, "general.type")).toBe("adapter");
    expect(metadataString(header.metadata, "adapter.type")).toBe("lora");
    expect(metadataNumber(header.metadata, "adapter.lora.alpha")).toBe(TINY_LORA_RANK);
  });

  it("pairs lora_a [rank, in] with lora_b [out, rank] for each adapted weight (GGUF dims innermost first)", () => {
    const { embeddingLength: embd, feedForwardLength: ff, blockCount } = TINY_LLAMA;
    const dims = new Map(header.tensors.map((tensor) => [tensor.name, tensor.dims]));
    expect(header.tensors.every((tensor) => tensor.type === GGML_TYPE_F32)).toBe(true);
    expect(header.tensors).toHaveLength(blockCount * 4 * 2);
    for (let block = 0; block < blockCount; block++) {
      expect(dims.get(`blk.${block}.attn_q.weight.lora_a`)).toEqual([embd, TINY_LORA_RANK]);
      expect(dims.get(`blk.${block}.attn_q.weight.lora_b`)).toEqual([TINY_LORA_RANK, embd]);
      expect(dims.get(`blk.${block}.ffn_up.weight.lora_a`)).toEqual([embd, TINY_LORA_RANK]);
      expect(dims.get(`blk.${block}.ffn_up.weight.lora_b`)).toEqual([TINY_LORA_RANK, ff]);
      expect(dims.get(`blk.${block}.ffn_down.weight.lora_a`)).toEqual([ff, TINY_LORA_RANK]);
      expect(dims.get(`blk.${block}.ffn_down.weight.lora_b`)).toEqual([TINY_LORA_RANK, embd]);
    }
  });

  it("gives the same bytes for the same seed and other bytes for another", async () => {
    await generateTinyLora({ outPath: join(dir, "again.gguf") });
    await generateTinyLora({ outPath: join(dir, "other.gguf"), seed: 8 });
    const first = readFileSync(join(dir, "a.gguf"));
    expect(readFileSync(join(dir, "again.gguf")).equals(first)).toBe(true);
    const other = readFileSync(join(dir, "other.gguf"));
    expect(other.length).toBe(first.length);
    expect(other.equals(first)).toBe(false);
  });
});
