/**
 * Where each element of a top-level JSON array sits in a file, found by streaming over its
 * bytes without parsing them. A ShareGPT file runs to 600 MB, more than V8 can hold as one
 * string (about 512 MB), so it is never read whole: this scan keeps two numbers per element,
 * and elements are read back and parsed one at a time (`readJsonElement`).
 *
 * Working on bytes is safe because JSON's structural characters are ASCII and no byte of a
 * multi-byte UTF-8 character is.
 */
import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { KittError } from "../errors.js";

export interface JsonSpan {
  /** Byte offset of the element's first byte. */
  start: number;
  /** Byte offset just past its last byte. */
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === NEWLINE || byte === 0x0d || byte === 0x09;
}

type Where = "before-array" | "before-element" | "after-element" | "after-array";

/** Spans of the elements of the array that makes up the file, read `chunkBytes` at a time. */
export async function scanJsonArray(path: string, chunkBytes = 1 << 20): Promise<JsonSpan[]> {
  const spans: JsonSpan[] = [];
  let where = "before-array" as Where;
  // Closing bytes of the containers open inside the current element ('[' + 2 is ']', '{' + 2 is '}').
  const open: number[] = [];
  let inString = false;
  let escaped = false;
  let inScalar = false; // a number, true, false or null element
  let start = 0;
  let base = 0;
  let line = 1;

  const fail = (message: string): never => {
    throw new KittError("CONFIG_INVALID", `${path}:${line}: ${message}`);
  };
  const endElement = (end: number): void => {
    spans.push({ start, end });
    where = "after-element";
  };

  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const length = chunk.length;
      // Cached positions of the next quote and backslash, so strings are skipped with indexOf.
      let nextQuote = -1;
      let nextBackslash = -1;
      for (let i = 0; i < length; i++) {
        if (inString) {
          if (escaped) {
            escaped = false;
            continue;
          }
          if (nextQuote < i) nextQuote = indexOrEnd(chunk, QUOTE, i);
          if (nextBackslash < i) nextBackslash = indexOrEnd(chunk, BACKSLASH, i);
          if (nextBackslash < nextQuote) {
            i = nextBackslash;
            escaped = true;
            continue;
          }
          i = nextQuote;
          if (i === length) break;
          inString = false;
          if (open.length === 0) endElement(base + i + 1);
          continue;
        }
        const byte = chunk[i] as number;
        if (byte === NEWLINE) line++;
        if (inScalar) {
          if (byte !== COMMA && byte !== CLOSE_BRACKET && !isSpace(byte)) continue;
          inScalar = false;
          endElement(base + i);
        }
        if (open.length > 0) {
          if (byte === QUOTE) inString = true;
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) open.push(byte + 2);
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            if (open.pop() !== byte) fail(`unexpected '${String.fromCharCode(byte)}'`);
            if (open.length === 0) endElement(base + i + 1);
          }
          continue;
        }
        if (isSpace(byte)) continue;
        switch (where) {
          case "before-array":
            if (base + i < BYTE_ORDER_MARK.length && byte === BYTE_ORDER_MARK[base + i]) break;
            if (byte !== OPEN_BRACKET) fail("expected a JSON array ('[')");
            where = "before-element";
            break;
          case "before-element":
            if (byte === CLOSE_BRACKET && spans.length === 0) {
              where = "after-array";
              break;
            }
            if (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE) fail(`unexpected '${String.fromCharCode(byte)}'`);
            start = base + i;
            if (byte === QUOTE) inString = true;
            else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) open.push(byte + 2);
            else inScalar = true;
            break;
          case "after-element":
            if (byte === COMMA) where = "before-element";
            else if (byte === CLOSE_BRACKET) where = "after-array";
            else fail("expected ',' or ']' after an array element");
            break;
          case "after-array":
            fail("unexpected text after the end of the array");
        }
      }
      base += length;
    }
  } catch (error) {
    if (error instanceof KittError) throw error;
    throw new KittError("NOT_FOUND", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
  if (where !== "after-array") fail(where === "before-array" ? "expected a JSON array, found an empty file" : "the JSON array is cut off (no closing ']')");
  return spans;
}

function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const index = chunk.indexOf(byte, from);
  return index === -1 ? chunk.length : index;
}

/** Parses one element back from the file. */
export async function readJsonElement(file: FileHandle, path: string, span: JsonSpan): Promise<unknown> {
  const bytes = Buffer.alloc(span.end - span.start);
  await file.read(bytes, 0, bytes.length, span.start);
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${path}:${await lineAt(path, span.start)}: ${(error as Error).message}`, { cause: error });
  }
}

/** 1-based line of a byte offset (only needed for error messages). */
export async function lineAt(path: string, offset: number): Promise<number> {
  let line = 1;
  if (offset === 0) return line;
  for await (const chunk of createReadStream(path, { end: offset - 1 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) line++;
  }
  return line;
}
