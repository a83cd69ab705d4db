/**
 * One sample line of the Prometheus text format: `name{label="value",…} value [timestamp]`.
 * A hand-written scanner rather than a regular expression: label values may hold escaped quotes,
 * and a 200 KB body (thousands of histogram buckets) has to parse in a few milliseconds.
 */
import type { Sample } from "./types.js";

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** Metric names allow `[a-zA-Z0-9_:]`, label names the same without the colon (tolerated here). */
function isNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x3a // :
  );
}

function skipSpaces(line: string, from: number): number {
  let i = from;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  return i;
}

function scanName(line: string, from: number): number {
  let i = from;
  while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
  return i;
}

/** `\\`, `\"` and `\n` are the format's escapes; any other backslash is kept as written. */
function unescapeValue(raw: string): string {
  return raw.replace(/\\([\\"n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** A sample value or timestamp; Go's spellings of infinity and NaN included. */
export function parseNumber(token: string): number | undefined {
  if (token === "") return undefined;
  const value = Number(token);
  if (!Number.isNaN(value)) return value;
  switch (token.toLowerCase()) {
    case "+inf":
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "nan":
      return NaN;
    default:
      return undefined;
  }
}

/** Parses `{a="1",b="2"}` starting at the `{`; returns the index after `}`, or -1 when malformed. */
function scanLabels(line: string, from: number, labels: Record<string, string>): number {
  let i = from + 1;
  for (;;) {
    i = skipSpaces(line, i);
    if (line.charCodeAt(i) === 0x7d) return i + 1; // `}` (also after a trailing comma)
    const nameEnd = scanName(line, i);
    if (nameEnd === i) return -1;
    const name = line.slice(i, nameEnd);
    i = skipSpaces(line, nameEnd);
    if (line.charCodeAt(i) !== 0x3d) return -1; // `=`
    i = skipSpaces(line, i + 1);
    if (line.charCodeAt(i) !== QUOTE) return -1;
    const valueStart = i + 1;
    let escaped = false;
    let j = valueStart;
    for (; j < line.length; j++) {
      const code = line.charCodeAt(j);
      if (code === BACKSLASH) {
        escaped = true;
        j++;
      } else if (code === QUOTE) {
        break;
      }
    }
    if (j >= line.length) return -1;
    const raw = line.slice(valueStart, j);
    const value = escaped ? unescapeValue(raw) : raw;
    // Assigning `__proto__` would set the prototype instead: that one label is defined.
    if (name === "__proto__") Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
    else labels[name] = value;
    i = skipSpaces(line, j + 1);
    const separator = line.charCodeAt(i);
    if (separator === 0x2c) i++; // `,`
    else if (separator !== 0x7d) return -1;
  }
}

function nextToken(line: string, from: number): [token: string, end: number] {
  let end = from;
  while (end < line.length && !isSpace(line.charCodeAt(end))) end++;
  return [line.slice(from, end), end];
}

/** The metric name a sample line starts with ("" when it starts with none). */
export function sampleName(line: string): string {
  const start = skipSpaces(line, 0);
  return line.slice(start, scanName(line, start));
}

/** The sample on `line`, or undefined when the line is not a well-formed sample. */
export function parseSampleLine(line: string): Sample | undefined {
  const start = skipSpaces(line, 0);
  const nameEnd = scanName(line, start);
  if (nameEnd === start) return undefined;
  const name = line.slice(start, nameEnd);
  // A plain object: V8 keeps it in fast mode (a prototype-less one is a slow dictionary, and
  // labels are read for every sample that is written back out).
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line.charCodeAt(skipSpaces(line, i)) === 0x7b) {
    i = scanLabels(line, skipSpaces(line, i), labels);
    if (i < 0) return undefined;
  }
  i = skipSpaces(line, i);
  const [valueToken, valueEnd] = nextToken(line, i);
  const value = parseNumber(valueToken);
  if (value === undefined) return undefined;
  i = skipSpaces(line, valueEnd);
  // OpenMetrics exemplars (`# {trace_id="…"} 1`) follow the value; they are not samples.
  if (i >= line.length || line.charCodeAt(i) === 0x23) return { name, labels, value };
  const [timestampToken, timestampEnd] = nextToken(line, i);
  const timestamp = parseNumber(timestampToken);
  if (timestamp === undefined || !Number.isFinite(timestamp)) return undefined;
  const rest = skipSpaces(line, timestampEnd);
  if (rest < line.length && line.charCodeAt(rest) !== 0x23) return undefined;
  return { name, labels, value, timestamp };
}
