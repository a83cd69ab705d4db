/**
 * Parquet rows as plain objects (pure JS: `hyparquet`, with `hyparquet-compressors` for the
 * codecs the Hub's files use besides snappy). 64-bit integers come back as numbers, so a row
 * read from parquet looks like the same row read from JSON.
 */
import { readFile } from "node:fs/promises";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { KittError } from "../../../errors.js";

export type ParquetRow = Record<string, unknown>;

export async function readParquetRows(path: string): Promise<ParquetRow[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new KittError("NOT_FOUND", `cannot read data file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseParquet(bytes, path);
}

export async function parseParquet(bytes: Uint8Array, source: string): Promise<ParquetRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file, compressors, rowFormat: "object" });
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${source} is not a readable parquet file: ${(error as Error).message}`, { cause: error });
  }
  return rows.map((row) => plain(row, source) as ParquetRow);
}

/** bigint → number (refusing values a double cannot hold), typed arrays → arrays, recursively. */
function plain(value: unknown, source: string): unknown {
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new KittError("CONFIG_INVALID", `${source} holds the integer ${value}, too large for kitt's data loaders`);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((item) => plain(item, source));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<unknown>, (item) => plain(item, source));
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item, source)]));
  }
  return value;
}
