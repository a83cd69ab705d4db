/**
 * Which way a task is scored on an engine. Log-likelihoods when the engine gives prompt
 * log-probabilities (the harness's own metric); otherwise MMLU reads the letters from the first
 * token's top-k, and TruthfulQA and HellaSwag fall back to their lettered form (a different
 * metric, reported under its own name). GSM8K and `truthfulqa_gen` only generate. A forced method
 * must suit both the task and the engine.
 */
import type { EngineCapabilities } from "../../engines/types.js";
import { KittError } from "../../errors.js";
import type { QualityTaskData } from "../data/resolve.js";
import type { ScoringMethod } from "../scoring/summary.js";

/** A task's data set, or a task that reads another's (`truthfulqa_gen` reads `truthfulqa/`). */
export type QualityTaskKind = QualityTaskData | "truthfulqa_gen";

/** The methods each task can use, in order of preference. */
export const TASK_METHODS: Readonly<Record<QualityTaskKind, readonly ScoringMethod[]>> = {
  mmlu: ["loglikelihood", "top_k_letters", "generation"],
  gsm8k: ["generation"],
  truthfulqa: ["loglikelihood", "top_k_letters", "lettered_generation"],
  truthfulqa_gen: ["generation"],
  hellaswag: ["loglikelihood", "top_k_letters", "lettered_generation"],
};

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

export function chooseMethod(task: QualityTaskKind, capabilities: LogprobCapabilities, forced?: ScoringMethod): ScoringMethod {
  const allowed = TASK_METHODS[task];
  if (forced !== undefined) {
    if (!allowed.includes(forced)) {
      throw new KittError("CONFIG_INVALID", `${task} cannot be scored by ${forced}; it can use: ${allowed.join(", ")}`);
    }
    if (!canUse(forced, capabilities)) {
      const what = NEEDS[forced] === "promptLogprobs" ? "prompt log-probabilities" : "top-k log-probabilities";
      throw new KittError("CONFIG_INVALID", `method ${forced} needs ${what}, which this engine does not give`);
    }
    return forced;
  }
  // "generation" / "lettered_generation" need nothing, so one always fits.
  return allowed.find((method) => canUse(method, capabilities))!;
}

/** Whether a method scores the task's lettered fallback prompt rather than the harness's own. */
export function usesLetteredFallback(task: QualityTaskKind, method: ScoringMethod): boolean {
  return (task === "truthfulqa" || task === "hellaswag") && method !== "loglikelihood";
}
