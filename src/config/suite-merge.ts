/**
 * Layered settings: later layers win key by key, nested objects merge recursively, and
 * anything else (arrays included) is replaced whole, so a suite can swap a test's prompt list.
 */

export type Settings = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Settings {
  return Object.prototype.toString.call(value) === "[object Object]";
}

export function mergeSettings(...layers: readonly Settings[]): Settings {
  const merged: Settings = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const current = merged[key];
      merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeSettings(current, value) : value;
    }
  }
  return merged;
}
