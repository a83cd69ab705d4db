/**
 * JSON indented like `JSON.stringify(value, null, 2)`, except that an array of plain values, or
 * of arrays of plain values, stays on one line: a result file with per-request arrays (tens of
 * thousands of numbers) stays readable and a fraction of the size, with one line per array
 * instead of one per number.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function jsonText(value: unknown): string {
  return `${render(value as Json, "")}\n`;
}

function render(value: Json, indent: string): string {
  if (value === null || typeof value !== "object" || isFlat(value)) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => inner + render(item, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${render(item, inner)}`).join(",\n")}\n${indent}}`;
}

function isPlain(value: Json): boolean {
  return value === null || typeof value !== "object";
}

/** An array of plain values, or of arrays of plain values. */
function isFlat(value: Json): boolean {
  return Array.isArray(value) && value.every((item) => isPlain(item) || (Array.isArray(item) && item.every(isPlain)));
}
