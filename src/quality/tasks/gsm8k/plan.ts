/** GSM8K: greedy generation, scored by the strict-match and flexible-extract filters. */
import type { Gsm8kDoc } from "./data.js";
import { scoreGsm8k } from "./scoring.js";
import type { GenerationTask } from "../../prompts/types.js";
import type { MethodPreference } from "../../run/choose-method.js";
import { truncatedMark } from "../../run/item-record.js";
import { itemsOf, type PlanOptions, type QualityPlan } from "../../run/plan.js";

/** GSM8K only generates. */
export const GSM8K_METHODS = ["generation"] as const satisfies MethodPreference;

export function planGsm8k(task: GenerationTask<Gsm8kDoc>, options: PlanOptions): QualityPlan {
  const cot = task.name === "gsm8k_cot";
  return {
    task: task.name,
    method: "generation",
    prompt: "harness",
    metrics: ["exact_match_strict", "exact_match_flexible"],
    items: itemsOf(task.documents, async (doc, key, signal) => {
      const item = task.generation(doc);
      const { text, truncated } = await options.engine.generate(item.prompt, item.stop, signal);
      return {
        key,
        scores: {
          exact_match_strict: scoreGsm8k(text, item.reference, "strict-match", cot),
          exact_match_flexible: scoreGsm8k(text, item.reference, "flexible-extract", cot),
        },
        detail: { response: text },
        ...truncatedMark(truncated),
      };
    }),
  };
}
