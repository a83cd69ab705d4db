/** Plain-JSON values, the one test for "a JSON object", parsing with a clear error, and key-sorted text. */
import { KittError } from "./errors.js";

/** What metrics, results and stored records may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** True for an object that is neither null nor an array: what JSON calls an object. */
export function isObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `text` parsed as JSON; invalid JSON is a `CONFIG_INVALID` error naming the file it came from. */
export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** JSON with object keys sorted at every level, so equal values always give the same text (and hash). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    isObject(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : inner,
  );
}
