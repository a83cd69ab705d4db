/** MMLU by log-likelihood of " A".." D" (acc), by the first token's top-k letters (acc), or generated (exact_match). */
import type { MmluDoc } from "./data.js";
import type { MmluTask } from "./prompts.js";
import { generatedLetterAcc } from "../../scoring/letters.js";
import { acc } from "../../scoring/multiple-choice.js";
import type { MethodPreference } from "../../run/choose-method.js";
import { loglikelihoodsAfter } from "../../run/evaluate.js";
import { truncatedMark, type ItemRecord } from "../../run/item-record.js";
import { itemsOf, letteredRecord, type PlanOptions, type QualityPlan } from "../../run/plan.js";
import { mmluBreakdownMetrics } from "./aggregate.js";

/** Log-likelihoods where the engine gives them, else the letters from the first token's top-k, else a generated letter. */
export const MMLU_METHODS = ["loglikelihood", "top_k_letters", "generation"] as const satisfies MethodPreference;

export function planMmlu(task: MmluTask, options: PlanOptions): QualityPlan {
  const { engine, method } = options;
  const metric = method === "generation" ? "exact_match" : "acc";
  const evaluate = async (doc: MmluDoc, key: string, signal: AbortSignal): Promise<ItemRecord> => {
    if (method === "loglikelihood") {
      const item = task.multipleChoice(doc);
      const scorer = loglikelihoodsAfter(engine, item.context, signal);
      const loglikelihoods = await scorer.of(item.continuations);
      return { key, scores: { acc: acc(loglikelihoods, item.gold) }, detail: { gold: item.gold, loglikelihoods }, ...truncatedMark(scorer.truncated()) };
    }
    if (method === "top_k_letters") return letteredRecord(options, task.lettered(doc), metric, key, signal);
    const item = task.generation(doc);
    const { text, truncated } = await engine.generate(item.prompt, item.stop, signal);
    return {
      key,
      scores: { exact_match: generatedLetterAcc(text, item.reference) },
      detail: { reference: item.reference, response: text },
      ...truncatedMark(truncated),
    };
  };
  return {
    task: task.name,
    method,
    prompt: "harness",
    metrics: [metric],
    items: itemsOf(task.documents, async (doc, key, signal) => ({ ...(await evaluate(doc, key, signal)), subject: doc.subject })),
    breakdown: (records) => mmluBreakdownMetrics(records, task.categories, metric, method),
  };
}
