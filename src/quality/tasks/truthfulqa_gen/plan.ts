/** `truthfulqa_gen`: greedy generation, scored by BLEU and ROUGE against true and false references. */
import { scoreTruthfulQaGen, TRUTHFULQA_GEN_METRICS } from "./scoring.js";
import type { TruthfulQaGenerationTask } from "./prompts.js";
import { truncatedMark } from "../../run/item-record.js";
import type { PlanOptions, QualityPlan } from "../../run/plan.js";

export function planTruthfulQaGen(task: TruthfulQaGenerationTask, options: PlanOptions): QualityPlan {
  return {
    kind: "truthfulqa_gen",
    task: task.name,
    method: "generation",
    prompt: "harness",
    metrics: [...TRUTHFULQA_GEN_METRICS],
    items: task.documents.map((doc) => {
      const key = String(doc.index);
      return {
        key,
        evaluate: async (signal) => {
          const item = task.generation(doc);
          const { text, truncated } = await options.engine.generate(item.prompt, item.stop, signal);
          return { key, scores: scoreTruthfulQaGen(text, task.references(doc)), detail: { response: text }, ...truncatedMark(truncated) };
        },
      };
    }),
  };
}
