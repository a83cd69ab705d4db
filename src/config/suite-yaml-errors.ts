/**
 * Turns YAML syntax errors and schema issues into `CONFIG_INVALID` errors that point at the
 * offending spot as `<file>:<line>:<col>`, the form editors and terminals make clickable.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter } from "yaml";
import { KittError } from "../errors.js";

export type YamlPath = readonly PropertyKey[];

export interface LocatedIssue {
  path: YamlPath;
  message: string;
}

/** Offset of the node at `path`: a map entry's key, a sequence item, or the nearest existing parent. */
export function offsetOf(doc: Document, path: YamlPath): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (pair === undefined) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== "object" || node === null || !("range" in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

/** The parsed value at `path`, or undefined: tells a missing key from a wrong one. */
export function valueAt(value: unknown, path: YamlPath): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

export function formatPath(path: YamlPath): string {
  return path
    .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`))
    .join("");
}

/** One `CONFIG_INVALID` error for the first issue; the others go into its details. */
export function configError(
  file: string,
  doc: Document,
  lineCounter: LineCounter,
  issues: readonly LocatedIssue[],
): KittError {
  const lines = issues.map((issue) => {
    const { line, col } = lineCounter.linePos(offsetOf(doc, issue.path));
    const where = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : "";
    return `${file}:${line}:${col} ${where}${issue.message}`;
  });
  return new KittError("CONFIG_INVALID", lines[0] ?? `${file}: invalid suite`, { details: lines.slice(1) });
}

/** A `CONFIG_INVALID` error for the document's YAML syntax errors, or undefined when it has none. */
export function yamlSyntaxError(file: string, doc: Document, lineCounter: LineCounter): KittError | undefined {
  const lines = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return `${file}:${line}:${col} ${error.message.split("\n")[0] ?? error.code}`;
  });
  if (lines.length === 0) return undefined;
  return new KittError("CONFIG_INVALID", lines[0] as string, { details: lines.slice(1) });
}
