/** HellaSwag acc and acc_norm by log-likelihood, or its lettered fallback (`lettered_acc`). */
import { usesLetteredFallback, type MethodPreference } from "../../run/choose-method.js";
import { acc, accNorm } from "../../scoring/multiple-choice.js";
import type { HellaswagTask } from "./prompts.js";
import { loglikelihoodsAfter } from "../../run/evaluate.js";
import { truncatedMark } from "../../run/item-record.js";
import { itemsOf, LETTERED_METRIC, letteredRecord, type PlanOptions, type QualityPlan } from "../../run/plan.js";

/** Log-likelihoods where the engine gives them, else the lettered form, read from the top-k or generated. */
export const HELLASWAG_METHODS = ["loglikelihood", "top_k_letters", "lettered_generation"] as const satisfies MethodPreference;

export function planHellaswag(task: HellaswagTask, options: PlanOptions): QualityPlan {
  const lettered = usesLetteredFallback(HELLASWAG_METHODS, options.method);
  return {
    task: task.name,
    method: options.method,
    prompt: lettered ? "lettered" : "harness",
    metrics: lettered ? [LETTERED_METRIC] : ["acc", "acc_norm"],
    items: itemsOf(task.documents, async (doc, key, signal) => {
      if (lettered) return letteredRecord(options, task.lettered(doc), LETTERED_METRIC, key, signal);
      const item = task.multipleChoice(doc);
      const scorer = loglikelihoodsAfter(options.engine, item.context, signal);
      const loglikelihoods = await scorer.of(item.continuations);
      return {
        key,
        scores: { acc: acc(loglikelihoods, item.gold), acc_norm: accNorm(loglikelihoods, item.choices, item.gold) },
        detail: { gold: item.gold, loglikelihoods },
        ...truncatedMark(scorer.truncated()),
      };
    }),
  };
}
