/** Model files for tests: a safetensors folder the format check accepts, small valid GGUF and safetensors files. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeGguf } from "../../src/models/gguf-writer.js";
import { GGML_TYPE_F32, type GgufMetadata } from "../../src/models/gguf.js";

export function safetensorsModel(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "kitt-emu-model-")), "tiny-model");
  mkdirSync(dir);
  writeFileSync(join(dir, "model.safetensors"), "");
  writeFileSync(join(dir, "config.json"), "{}");
  return dir;
}

/** A small valid GGUF: one F32 tensor of `rows` × 4, a Qwen2 header with file type Q4_K_M. */
export async function smallGguf(path: string, rows = 2): Promise<void> {
  const metadata: GgufMetadata = new Map([
    ["general.architecture", { type: "string", value: "qwen2" }],
    ["general.file_type", { type: "uint32", value: 15 }],
    ["qwen2.context_length", { type: "uint32", value: 32768 }],
  ]);
  const bytes = new Uint8Array(rows * 4 * 4);
  await writeGguf(path, { metadata, tensors: [{ name: "w", dims: [4, rows], type: GGML_TYPE_F32, byteLength: bytes.length, chunks: () => [bytes] }] });
}

/** A safetensors file holding tensors of the given shapes (zeros). */
export function safetensorsFile(path: string, shapes: Record<string, number[]>): void {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  for (const [name, shape] of Object.entries(shapes)) {
    const bytes = shape.reduce((product, dim) => product * dim, 1) * 2;
    header[name] = { dtype: "BF16", shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, Buffer.alloc(offset)]));
}
