/**
 * Which engines load which model formats: the rule `kitt run`'s preflight refuses a model by,
 * and the one the model catalog lists compatible engines by.
 */
import type { ModelFormat } from "../preflight/model-format.js";
import { engines } from "./registry.js";
import type { EngineName, EngineSpec } from "./types.js";

export function canLoad(spec: EngineSpec, format: ModelFormat): boolean {
  return spec.formats.includes(format);
}

/** The engines that load `format`, in the registry's order. */
export function enginesFor(format: ModelFormat): EngineName[] {
  return Object.values(engines)
    .filter((spec) => canLoad(spec, format))
    .map((spec) => spec.name);
}
