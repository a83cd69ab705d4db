/**
 * Layered settings: later layers win key by key, nested objects merge recursively, and
 * anything else (arrays included) is replaced whole, so a suite can swap a test's prompt list.
 */
import { isObject } from "../json.js";

export type Settings = Record<string, unknown>;

export function mergeSettings(...layers: readonly Settings[]): Settings {
  const merged: Settings = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const current = merged[key];
      merged[key] = isObject(current) && isObject(value) ? mergeSettings(current, value) : value;
    }
  }
  return merged;
}
