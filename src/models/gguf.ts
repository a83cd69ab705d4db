/**
 * GGUF (llama.cpp's model format, versions 2 and 3): the value model and a header reader.
 * A header is the magic, the key/value metadata and the tensor infos; tensor data follows
 * at `dataOffset`. Only the header is read, so this is cheap even for multi-gigabyte models.
 */
import { open } from "node:fs/promises";
import { KittError } from "../errors.js";

export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGML_TYPE_F32 = 0;

/** Value types in the order of their numeric ids in the file. */
export const GGUF_VALUE_TYPES = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "float32",
  "bool",
  "string",
  "array",
  "uint64",
  "int64",
  "float64",
] as const;

export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];
export type GgufNumberType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";
export type GgufBigIntType = "uint64" | "int64";

export type GgufScalar =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string };

export type GgufArray =
  | { type: "array"; itemType: GgufNumberType; value: number[] }
  | { type: "array"; itemType: GgufBigIntType; value: bigint[] }
  | { type: "array"; itemType: "bool"; value: boolean[] }
  | { type: "array"; itemType: "string"; value: string[] }
  | { type: "array"; itemType: "array"; value: GgufArray[] };

export type GgufValue = GgufScalar | GgufArray;

/** Key/values in file order (a Map keeps insertion order). */
export type GgufMetadata = Map<string, GgufValue>;

export interface GgufTensorInfo {
  name: string;
  /** Dimensions innermost first, as stored (numpy shape reversed). */
  dims: number[];
  /** ggml type id (0 = F32). */
  type: number;
  /** Byte offset within the data section. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset where the data section starts. */
  dataOffset: number;
}

export function alignTo(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

/** The file's `general.alignment`, or the default when absent. */
export function alignmentOf(metadata: GgufMetadata): number {
  const value = metadata.get("general.alignment");
  return value?.type === "uint32" ? value.value : GGUF_DEFAULT_ALIGNMENT;
}

export function metadataString(metadata: GgufMetadata, key: string): string | undefined {
  const value = metadata.get(key);
  return value?.type === "string" ? value.value : undefined;
}

export function metadataNumber(metadata: GgufMetadata, key: string): number | undefined {
  const value = metadata.get(key);
  if (value === undefined) return undefined;
  if (typeof value.value === "number") return value.value;
  if (typeof value.value === "bigint") return Number(value.value);
  return undefined;
}

/** The context length the model was trained with: `<general.architecture>.context_length`. */
export function trainedContextLength(metadata: GgufMetadata): number | undefined {
  const architecture = metadataString(metadata, "general.architecture");
  return architecture === undefined ? undefined : metadataNumber(metadata, `${architecture}.context_length`);
}

/** Signals that the bytes end before the header does; `readGgufHeader` then reads more. */
class TruncatedHeader extends Error {}

class ByteReader {
  offset = 0;
  readonly #view: DataView;

  constructor(private readonly bytes: Buffer) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(size: number): number {
    const start = this.offset;
    if (start + size > this.bytes.length) throw new TruncatedHeader();
    this.offset += size;
    return start;
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }
  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }
  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8), true);
  }
  /** A u64 used as a length, count or offset: must fit a JS number. */
  size(): number {
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new KittError("UNSUPPORTED_FORMAT", `GGUF size field too large: ${value}`);
    return Number(value);
  }
  string(): string {
    const length = this.size();
    const start = this.#take(length);
    return this.bytes.toString("utf8", start, start + length);
  }

  number(type: GgufNumberType): number {
    const view = this.#view;
    switch (type) {
      case "uint8":
        return view.getUint8(this.#take(1));
      case "int8":
        return view.getInt8(this.#take(1));
      case "uint16":
        return view.getUint16(this.#take(2), true);
      case "int16":
        return view.getInt16(this.#take(2), true);
      case "uint32":
        return view.getUint32(this.#take(4), true);
      case "int32":
        return view.getInt32(this.#take(4), true);
      case "float32":
        return view.getFloat32(this.#take(4), true);
      case "float64":
        return view.getFloat64(this.#take(8), true);
    }
  }

  bigint(type: GgufBigIntType): bigint {
    const at = this.#take(8);
    return type === "uint64" ? this.#view.getBigUint64(at, true) : this.#view.getBigInt64(at, true);
  }

  valueType(): GgufValueType {
    const id = this.u32();
    const type = GGUF_VALUE_TYPES[id];
    if (type === undefined) throw new KittError("UNSUPPORTED_FORMAT", `unknown GGUF value type ${id}`);
    return type;
  }

  value(type: GgufValueType): GgufValue {
    switch (type) {
      case "bool":
        return { type, value: this.u8() !== 0 };
      case "string":
        return { type, value: this.string() };
      case "uint64":
      case "int64":
        return { type, value: this.bigint(type) };
      case "array":
        return this.array();
      default:
        return { type, value: this.number(type) };
    }
  }

  array(): GgufArray {
    const itemType = this.valueType();
    const count = this.size();
    // Every element takes at least one byte: a bogus count fails here, not in a huge allocation.
    if (count > this.bytes.length - this.offset) throw new TruncatedHeader();
    switch (itemType) {
      case "bool":
        return { type: "array", itemType, value: this.#repeat(count, () => this.u8() !== 0) };
      case "string":
        return { type: "array", itemType, value: this.#repeat(count, () => this.string()) };
      case "uint64":
      case "int64":
        return { type: "array", itemType, value: this.#repeat(count, () => this.bigint(itemType)) };
      case "array":
        return { type: "array", itemType, value: this.#repeat(count, () => this.array()) };
      default:
        return { type: "array", itemType, value: this.#repeat(count, () => this.number(itemType)) };
    }
  }

  #repeat<T>(count: number, read: () => T): T[] {
    const items = new Array<T>(count);
    for (let i = 0; i < count; i++) items[i] = read();
    return items;
  }
}

/** Parses a header from bytes that start at the beginning of a GGUF file. */
export function parseGgufHeader(bytes: Buffer): GgufHeader {
  const reader = new ByteReader(bytes);
  // A file shorter than the magic is checked as far as it goes: "hi" is not GGUF, "GGU" is cut short.
  const magicBytes = Math.min(bytes.length, GGUF_MAGIC.length);
  if (bytes.toString("latin1", 0, magicBytes) !== GGUF_MAGIC.slice(0, magicBytes)) {
    throw new KittError("UNSUPPORTED_FORMAT", "not a GGUF file (bad magic)");
  }
  reader.offset = 4;
  const version = reader.u32();
  if (version !== 2 && version !== 3) throw new KittError("UNSUPPORTED_FORMAT", `unsupported GGUF version ${version}`);
  const tensorCount = reader.size();
  const kvCount = reader.size();

  const metadata: GgufMetadata = new Map();
  for (let i = 0; i < kvCount; i++) {
    const key = reader.string();
    metadata.set(key, reader.value(reader.valueType()));
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = reader.string();
    const nDims = reader.u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(reader.size());
    tensors.push({ name, dims, type: reader.u32(), offset: reader.size() });
  }

  const alignment = alignmentOf(metadata);
  return { version, metadata, tensors, alignment, dataOffset: alignTo(reader.offset, alignment) };
}

const FIRST_READ_BYTES = 1 << 20;
/** Real headers, the tokenizer's vocabulary included, take tens of MB; a damaged one could claim gigabytes. */
export const MAX_GGUF_HEADER_BYTES = 256 * 1024 * 1024;

/**
 * Reads only as much of the file as the header needs (doubling the read until it fits); a header
 * that does not fit in `maxBytes` is refused rather than read whole.
 */
export async function readGgufHeader(path: string, options: { maxBytes?: number } = {}): Promise<GgufHeader> {
  const maxBytes = options.maxBytes ?? MAX_GGUF_HEADER_BYTES;
  const handle = await open(path, "r").catch((error: unknown) => {
    throw new KittError("NOT_FOUND", `cannot open GGUF file ${path}: ${(error as Error).message}`, { cause: error });
  });
  try {
    const { size } = await handle.stat();
    for (let length = Math.min(size, FIRST_READ_BYTES, maxBytes); ; length = Math.min(size, length * 2, maxBytes)) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      try {
        return parseGgufHeader(buffer.subarray(0, bytesRead));
      } catch (error) {
        if (!(error instanceof TruncatedHeader)) throw error;
        if (length >= size) throw new KittError("UNSUPPORTED_FORMAT", `GGUF file ${path} is truncated`);
        if (length >= maxBytes) throw new KittError("UNSUPPORTED_FORMAT", `GGUF file ${path} has a header over ${maxBytes} bytes`);
      }
    }
  } finally {
    await handle.close();
  }
}
