import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { GGML_TYPE_F32, MAX_GGUF_HEADER_BYTES, metadataNumber, metadataString, readGgufHeader, type GgufMetadata } from "../../src/models/gguf.js";
import { encodeGgufHeader, writeGguf, type GgufTensorSource } from "../../src/models/gguf-writer.js";
import { requireVocabFile } from "../support/llama.js";

const dir = mkdtempSync(join(tmpdir(), "kitt-gguf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bytesTensor(name: string, dims: number[], bytes: Uint8Array, chunkSize: number): GgufTensorSource {
  return {
    name,
    dims,
    type: GGML_TYPE_F32,
    byteLength: bytes.length,
    *chunks() {
      for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
    },
  };
}

const everyType: GgufMetadata = new Map([
  ["general.alignment", { type: "uint32", value: 64 }],
  ["t.uint8", { type: "uint8", value: 255 }],
  ["t.int8", { type: "int8", value: -128 }],
  ["t.uint16", { type: "uint16", value: 65535 }],
  ["t.int16", { type: "int16", value: -32768 }],
  ["t.uint32", { type: "uint32", value: 4294967295 }],
  ["t.int32", { type: "int32", value: -2147483648 }],
  ["t.float32", { type: "float32", value: 0.5 }],
  ["t.float64", { type: "float64", value: 1e-300 }],
  ["t.bool", { type: "bool", value: true }],
  ["t.string", { type: "string", value: "héllo ▁wörld 🦙" }],
  ["t.empty", { type: "string", value: "" }],
  ["t.uint64", { type: "uint64", value: 18446744073709551615n }],
  ["t.int64", { type: "int64", value: -9223372036854775808n }],
  ["a.uint8", { type: "array", itemType: "uint8", value: [0, 1, 255] }],
  ["a.int32", { type: "array", itemType: "int32", value: [-1, 0, 7] }],
  ["a.float32", { type: "array", itemType: "float32", value: [-0.25, 0, 3] }],
  ["a.float64", { type: "array", itemType: "float64", value: [Math.PI] }],
  ["a.bool", { type: "array", itemType: "bool", value: [true, false, true] }],
  ["a.string", { type: "array", itemType: "string", value: ["<s>", "", "▁the"] }],
  ["a.uint64", { type: "array", itemType: "uint64", value: [0n, 2n ** 63n] }],
  ["a.int64", { type: "array", itemType: "int64", value: [-5n] }],
  ["a.empty", { type: "array", itemType: "int16", value: [] }],
  [
    "a.nested",
    {
      type: "array",
      itemType: "array",
      value: [
        { type: "array", itemType: "string", value: ["x", "y"] },
        { type: "array", itemType: "uint16", value: [1, 2, 3] },
      ],
    },
  ],
]);

describe("GGUF write and read", () => {
  it("round-trips every value type, tensor infos and tensor data", async () => {
    const first = Uint8Array.from({ length: 4 * 6 }, (_, i) => i);
    const second = Uint8Array.from({ length: 4 * 5 }, (_, i) => 200 - i);
    const path = join(dir, "every-type.gguf");
    const size = await writeGguf(path, {
      metadata: everyType,
      tensors: [bytesTensor("first", [3, 2], first, 5), bytesTensor("second", [5], second, 100)],
    });

    const header = await readGgufHeader(path);
    expect(header.version).toBe(3);
    expect(header.metadata).toEqual(everyType);
    expect([...header.metadata.keys()]).toEqual([...everyType.keys()]);
    expect(header.alignment).toBe(64);
    expect(header.dataOffset % 64).toBe(0);
    expect(header.tensors).toEqual([
      { name: "first", dims: [3, 2], type: GGML_TYPE_F32, offset: 0 },
      { name: "second", dims: [5], type: GGML_TYPE_F32, offset: 64 },
    ]);

    const file = readFileSync(path);
    expect(file.length).toBe(size);
    expect(size % 64).toBe(0);
    const data = (offset: number, length: number) => file.subarray(header.dataOffset + offset, header.dataOffset + offset + length);
    expect(data(0, first.length)).toEqual(Buffer.from(first));
    expect(data(64, second.length)).toEqual(Buffer.from(second));
  });

  it("reads headers larger than its first read", async () => {
    const tokens = Array.from({ length: 60_000 }, (_, i) => `token-${i}-${"x".repeat(20)}`);
    const path = join(dir, "big-header.gguf");
    const metadata: GgufMetadata = new Map([["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: tokens }]]);
    await writeGguf(path, { metadata, tensors: [] });
    const header = await readGgufHeader(path);
    expect(header.metadata.get("tokenizer.ggml.tokens")?.value).toEqual(tokens);
  });

  it("rejects a tensor whose data does not match its declared size", async () => {
    const short = { ...bytesTensor("short", [4], new Uint8Array(12), 12), byteLength: 16 };
    const writing = writeGguf(join(dir, "short.gguf"), { metadata: new Map(), tensors: [short] });
    await expect(writing).rejects.toThrow(/12 bytes, declared 16/);
  });

  it("rejects files that are not GGUF or are cut short", async () => {
    const notGguf = join(dir, "not.gguf");
    writeFileSync(notGguf, "PK\u0003\u0004 definitely a zip");
    await expect(readGgufHeader(notGguf)).rejects.toMatchObject({
      code: "UNSUPPORTED_FORMAT",
      message: expect.stringMatching(/bad magic/),
    });

    const whole = join(dir, "whole.gguf");
    await writeGguf(whole, { metadata: everyType, tensors: [] });
    const truncated = join(dir, "truncated.gguf");
    writeFileSync(truncated, readFileSync(whole).subarray(0, 100));
    await expect(readGgufHeader(truncated)).rejects.toMatchObject({
      code: "UNSUPPORTED_FORMAT",
      message: expect.stringMatching(/truncated/),
    });

    await expect(readGgufHeader(join(dir, "missing.gguf"))).rejects.toBeInstanceOf(KittError);
  });

  it("calls a file shorter than the magic not GGUF unless it starts like GGUF", async () => {
    const short = join(dir, "short-text.gguf");
    writeFileSync(short, "hi\n");
    await expect(readGgufHeader(short)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT", message: "not a GGUF file (bad magic)" });
    writeFileSync(short, "GGU");
    await expect(readGgufHeader(short)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT", message: expect.stringMatching(/truncated/) });
  });

  it("refuses a header larger than maxBytes instead of reading on", async () => {
    const big = join(dir, "big-header.gguf");
    const tokens = Array.from({ length: 40_000 }, (_, i) => `token-${i}`);
    await writeGguf(big, { metadata: new Map([["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: tokens }]]), tensors: [] });
    await expect(readGgufHeader(big, { maxBytes: 64 * 1024 })).rejects.toMatchObject({
      code: "UNSUPPORTED_FORMAT",
      message: expect.stringMatching(/has a header over 65536 bytes$/),
    });
    expect((await readGgufHeader(big)).metadata.get("tokenizer.ggml.tokens")?.value).toEqual(tokens);
  });

  it("stops at 256 MiB by default when a large file's damaged header claims more", async () => {
    // A string value claiming 2^40 bytes, in a sparse 1 GiB file: without a limit the reader would double its read up to the whole file.
    const key = Buffer.from("general.name");
    const head = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 8);
    let at = head.write("GGUF", 0, "latin1");
    at = head.writeUInt32LE(3, at);
    at = head.writeBigUInt64LE(0n, at);
    at = head.writeBigUInt64LE(1n, at);
    at = head.writeBigUInt64LE(BigInt(key.length), at);
    at += key.copy(head, at);
    at = head.writeUInt32LE(8, at);
    head.writeBigUInt64LE(1n << 40n, at);
    const damaged = join(dir, "damaged.gguf");
    writeFileSync(damaged, head);
    truncateSync(damaged, 1024 * 1024 * 1024);
    await expect(readGgufHeader(damaged)).rejects.toMatchObject({
      code: "UNSUPPORTED_FORMAT",
      message: expect.stringMatching(new RegExp(`has a header over ${MAX_GGUF_HEADER_BYTES} bytes$`)),
    });
  });
});

const vocabPath = await requireVocabFile();

describe.skipIf(!vocabPath)("GGUF reader on llama.cpp's vocabulary file", () => {
  it("finds the SentencePiece tokenizer with its 32,000 tokens", async () => {
    const header = await readGgufHeader(vocabPath as string);
    const { metadata } = header;
    expect(header.tensors).toEqual([]);
    expect(metadataString(metadata, "tokenizer.ggml.model")).toBe("llama");
    expect(metadataString(metadata, "general.architecture")).toBe("llama");
    const tokens = metadata.get("tokenizer.ggml.tokens");
    expect(tokens).toMatchObject({ type: "array", itemType: "string" });
    expect(tokens?.value).toHaveLength(32_000);
    expect((tokens?.value as string[]).slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
    expect(metadata.get("tokenizer.ggml.scores")).toMatchObject({ type: "array", itemType: "float32" });
    expect(metadata.get("tokenizer.ggml.token_type")).toMatchObject({ type: "array", itemType: "int32" });
    expect(metadataNumber(metadata, "tokenizer.ggml.bos_token_id")).toBe(1);
    expect(metadataNumber(metadata, "tokenizer.ggml.eos_token_id")).toBe(2);
  });

  it("re-encodes the file's header byte for byte", async () => {
    const file = readFileSync(vocabPath as string);
    const header = await readGgufHeader(vocabPath as string);
    const encoded = encodeGgufHeader(header.metadata, header.tensors);
    expect(encoded.subarray(0, file.length).equals(file)).toBe(true);
  });
});
