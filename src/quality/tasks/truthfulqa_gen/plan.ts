/** `truthfulqa_gen`: greedy generation, scored by BLEU and ROUGE against true and false references. */
import { scoreTruthfulQaGen, TRUTHFULQA_GEN_METRICS } from "./scoring.js";
import type { TruthfulQaGenerationTask } from "./prompts.js";
import type { MethodPreference } from "../../run/choose-method.js";
import { truncatedMark } from "../../run/item-record.js";
import { itemsOf, type PlanOptions, type QualityPlan } from "../../run/plan.js";

/** `truthfulqa_gen` only generates. */
export const TRUTHFULQA_GEN_METHODS = ["generation"] as const satisfies MethodPreference;

export function planTruthfulQaGen(task: TruthfulQaGenerationTask, options: PlanOptions): QualityPlan {
  return {
    task: task.name,
    method: "generation",
    prompt: "harness",
    metrics: [...TRUTHFULQA_GEN_METRICS],
    items: itemsOf(task.documents, async (doc, key, signal) => {
      const item = task.generation(doc);
      const { text, truncated } = await options.engine.generate(item.prompt, item.stop, signal);
      return { key, scores: scoreTruthfulQaGen(text, task.references(doc)), detail: { response: text }, ...truncatedMark(truncated) };
    }),
  };
}
