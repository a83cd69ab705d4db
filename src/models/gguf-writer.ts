/**
 * Writes GGUF v3 files. The header is encoded in memory (it is small); tensor data is
 * streamed to the file handle chunk by chunk, so a model never has to fit in one buffer.
 */
import { open } from "node:fs/promises";
import { KittError } from "../errors.js";
import {
  GGUF_MAGIC,
  GGUF_VALUE_TYPES,
  GGUF_VERSION,
  alignTo,
  alignmentOf,
  type GgufArray,
  type GgufMetadata,
  type GgufNumberType,
  type GgufTensorInfo,
  type GgufValue,
  type GgufValueType,
} from "./gguf.js";

export interface GgufTensorSource {
  name: string;
  /** Dimensions innermost first, as stored (numpy shape reversed). */
  dims: readonly number[];
  /** ggml type id (0 = F32). */
  type: number;
  byteLength: number;
  /** The tensor's bytes in order, in chunks of any size. */
  chunks(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

class ByteWriter {
  #buffer = Buffer.alloc(64 * 1024);
  #length = 0;

  #reserve(size: number): number {
    const at = this.#length;
    if (at + size > this.#buffer.length) {
      const grown = Buffer.alloc(Math.max(this.#buffer.length * 2, at + size));
      this.#buffer.copy(grown, 0, 0, at);
      this.#buffer = grown;
    }
    this.#length += size;
    return at;
  }

  /** Grows the buffer first, then writes: a write must never target the buffer it replaced. */
  #put(size: number, write: (buffer: Buffer, at: number) => void): void {
    const at = this.#reserve(size);
    write(this.#buffer, at);
  }

  u8(value: number): void {
    this.#put(1, (buffer, at) => buffer.writeUInt8(value, at));
  }
  u32(value: number): void {
    this.#put(4, (buffer, at) => buffer.writeUInt32LE(value, at));
  }
  u64(value: number | bigint): void {
    this.#put(8, (buffer, at) => buffer.writeBigUInt64LE(BigInt(value), at));
  }
  string(value: string): void {
    const length = Buffer.byteLength(value, "utf8");
    this.u64(length);
    this.#put(length, (buffer, at) => buffer.write(value, at, length, "utf8"));
  }
  valueType(type: GgufValueType): void {
    this.u32(GGUF_VALUE_TYPES.indexOf(type));
  }

  value(value: GgufValue): void {
    switch (value.type) {
      case "bool":
        return this.u8(value.value ? 1 : 0);
      case "string":
        return this.string(value.value);
      case "array":
        return this.array(value);
      case "uint64":
        return this.u64(value.value);
      case "int64":
        return this.#put(8, (buffer, at) => buffer.writeBigInt64LE(value.value, at));
      default:
        return this.number(value.type, value.value);
    }
  }

  array(array: GgufArray): void {
    this.valueType(array.itemType);
    this.u64(array.value.length);
    switch (array.itemType) {
      case "bool":
        for (const item of array.value) this.u8(item ? 1 : 0);
        return;
      case "string":
        for (const item of array.value) this.string(item);
        return;
      case "array":
        for (const item of array.value) this.array(item);
        return;
      case "uint64":
        for (const item of array.value) this.u64(item);
        return;
      case "int64":
        for (const item of array.value) this.#put(8, (buffer, at) => buffer.writeBigInt64LE(item, at));
        return;
      default:
        for (const item of array.value) this.number(array.itemType, item);
    }
  }

  number(type: GgufNumberType, value: number): void {
    switch (type) {
      case "uint8":
        return this.u8(value);
      case "int8":
        return this.#put(1, (buffer, at) => buffer.writeInt8(value, at));
      case "uint16":
        return this.#put(2, (buffer, at) => buffer.writeUInt16LE(value, at));
      case "int16":
        return this.#put(2, (buffer, at) => buffer.writeInt16LE(value, at));
      case "uint32":
        return this.u32(value);
      case "int32":
        return this.#put(4, (buffer, at) => buffer.writeInt32LE(value, at));
      case "float32":
        return this.#put(4, (buffer, at) => buffer.writeFloatLE(value, at));
      case "float64":
        return this.#put(8, (buffer, at) => buffer.writeDoubleLE(value, at));
    }
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    this.#reserve(alignTo(this.#length, alignment) - this.#length);
  }

  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}

/** Tensor infos with offsets laid out one after another, each aligned. */
export function layoutTensors(tensors: readonly GgufTensorSource[], alignment: number): GgufTensorInfo[] {
  let offset = 0;
  return tensors.map((tensor) => {
    const info = { name: tensor.name, dims: [...tensor.dims], type: tensor.type, offset };
    offset = alignTo(offset + tensor.byteLength, alignment);
    return info;
  });
}

/** The header (magic through tensor infos), padded so that the data section can follow it. */
export function encodeGgufHeader(metadata: GgufMetadata, tensors: readonly GgufTensorInfo[]): Buffer {
  const writer = new ByteWriter();
  for (const char of GGUF_MAGIC) writer.u8(char.charCodeAt(0));
  writer.u32(GGUF_VERSION);
  writer.u64(tensors.length);
  writer.u64(metadata.size);
  for (const [key, value] of metadata) {
    writer.string(key);
    writer.valueType(value.type);
    writer.value(value);
  }
  for (const tensor of tensors) {
    writer.string(tensor.name);
    writer.u32(tensor.dims.length);
    for (const dim of tensor.dims) writer.u64(dim);
    writer.u32(tensor.type);
    writer.u64(tensor.offset);
  }
  writer.pad(alignmentOf(metadata));
  return writer.bytes();
}

/** Writes a complete GGUF file to `path` (not atomically: callers rename a temp file). Returns its size. */
export async function writeGguf(
  path: string,
  contents: { metadata: GgufMetadata; tensors: readonly GgufTensorSource[] },
): Promise<number> {
  const alignment = alignmentOf(contents.metadata);
  const header = encodeGgufHeader(contents.metadata, layoutTensors(contents.tensors, alignment));
  const handle = await open(path, "w");
  try {
    await handle.write(header);
    let position = header.length;
    for (const tensor of contents.tensors) {
      let written = 0;
      for await (const chunk of tensor.chunks()) {
        await handle.write(chunk);
        written += chunk.byteLength;
      }
      if (written !== tensor.byteLength) {
        throw new KittError("INTERNAL", `tensor ${tensor.name} produced ${written} bytes, declared ${tensor.byteLength}`);
      }
      position += written;
      const padding = alignTo(position, alignment) - position;
      if (padding > 0) await handle.write(Buffer.alloc(padding));
      position += padding;
    }
    return position;
  } finally {
    await handle.close();
  }
}
