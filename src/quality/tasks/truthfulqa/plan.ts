/** TruthfulQA mc1 and mc2 by log-likelihood, or its lettered mc1 fallback (`lettered_acc`). */
import { usesLetteredFallback, type MethodPreference } from "../../run/choose-method.js";
import { acc, mc2 } from "../../scoring/multiple-choice.js";
import type { TruthfulQaMcTask } from "./prompts.js";
import { loglikelihoodsAfter } from "../../run/evaluate.js";
import { truncatedMark } from "../../run/item-record.js";
import { itemsOf, LETTERED_METRIC, letteredRecord, type PlanOptions, type QualityPlan } from "../../run/plan.js";

/** Log-likelihoods where the engine gives them, else the lettered form, read from the top-k or generated. */
export const TRUTHFULQA_METHODS = ["loglikelihood", "top_k_letters", "lettered_generation"] as const satisfies MethodPreference;

export function planTruthfulQa(task: TruthfulQaMcTask, options: PlanOptions): QualityPlan {
  const lettered = usesLetteredFallback(TRUTHFULQA_METHODS, options.method);
  return {
    task: task.name,
    method: options.method,
    prompt: lettered ? "lettered" : "harness",
    metrics: lettered ? [LETTERED_METRIC] : ["mc1", "mc2"],
    items: itemsOf(task.documents, async (doc, key, signal) => {
      if (lettered) return letteredRecord(options, task.lettered(doc), LETTERED_METRIC, key, signal);
      const mc1Item = task.multipleChoice(doc);
      const mc2Item = task.mc2(doc);
      const scorer = loglikelihoodsAfter(options.engine, mc1Item.context, signal);
      const mc1Loglikelihoods = await scorer.of(mc1Item.continuations);
      const mc2Loglikelihoods = await scorer.of(mc2Item.continuations);
      return {
        key,
        scores: { mc1: acc(mc1Loglikelihoods, mc1Item.gold), mc2: mc2(mc2Loglikelihoods, mc2Item.labels) },
        detail: { mc1_loglikelihoods: mc1Loglikelihoods, mc2_loglikelihoods: mc2Loglikelihoods },
        ...truncatedMark(scorer.truncated()),
      };
    }),
  };
}
