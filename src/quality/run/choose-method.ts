/**
 * Which way a task is scored on an engine: the first of the task's methods, in its order of
 * preference, that the engine can give. Log-likelihoods need prompt log-probabilities (the
 * harness's own metric), top-k letters need top-k log-probabilities; generating needs nothing, so
 * a task that can generate always has a method. A forced method must suit both the task and the
 * engine.
 */
import type { EngineCapabilities } from "../../engines/types.js";
import { KittError } from "../../errors.js";
import type { ScoringMethod } from "../scoring/summary.js";

/** Methods in order of preference, the last one generating, which every engine can do. */
export type MethodPreference = readonly [...ScoringMethod[], "generation" | "lettered_generation"];

/** A task's name and the methods it can use. */
export interface TaskMethods {
  readonly name: string;
  readonly methods: MethodPreference;
}

/** What choosing a method looks at. */
type LogprobCapabilities = Pick<EngineCapabilities, "promptLogprobs" | "topLogprobs">;

const NEEDS: Partial<Record<ScoringMethod, keyof LogprobCapabilities>> = {
  loglikelihood: "promptLogprobs",
  top_k_letters: "topLogprobs",
};

function canUse(method: ScoringMethod, capabilities: LogprobCapabilities): boolean {
  const need = NEEDS[method];
  return need === undefined || capabilities[need];
}

export function chooseMethod(task: TaskMethods, capabilities: LogprobCapabilities, forced?: ScoringMethod): ScoringMethod {
  const allowed = task.methods;
  if (forced !== undefined) {
    if (!allowed.includes(forced)) {
      throw new KittError("CONFIG_INVALID", `${task.name} cannot be scored by ${forced}; it can use: ${allowed.join(", ")}`);
    }
    if (!canUse(forced, capabilities)) {
      const what = NEEDS[forced] === "promptLogprobs" ? "prompt log-probabilities" : "top-k log-probabilities";
      throw new KittError("CONFIG_INVALID", `method ${forced} needs ${what}, which this engine does not give`);
    }
    return forced;
  }
  // The last method generates, which needs nothing, so one always fits.
  return allowed.find((method) => canUse(method, capabilities))!;
}

/**
 * Whether a method scores the task's lettered fallback prompt rather than the harness's own: a
 * task with a lettered fallback (it can use `lettered_generation`) uses it for every method but
 * log-likelihood.
 */
export function usesLetteredFallback(methods: readonly ScoringMethod[], method: ScoringMethod): boolean {
  return methods.includes("lettered_generation") && method !== "loglikelihood";
}
