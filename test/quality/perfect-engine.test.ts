/** A scripted engine that always gives the gold answer scores 100% under every method. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGsm8k } from "../../src/quality/tasks/gsm8k/data.js";
import { loadHellaswag } from "../../src/quality/tasks/hellaswag/data.js";
import { loadMmlu } from "../../src/quality/tasks/mmlu/data.js";
import { loadTruthfulQaMc } from "../../src/quality/tasks/truthfulqa/data.js";
import { scoreGsm8k } from "../../src/quality/tasks/gsm8k/scoring.js";
import { generatedLetterAcc, topKLetterAcc } from "../../src/quality/scoring/letters.js";
import { aggregateMmlu } from "../../src/quality/tasks/mmlu/aggregate.js";
import { acc, accNorm, mc2 } from "../../src/quality/scoring/multiple-choice.js";
import { summarize } from "../../src/quality/scoring/summary.js";
import { createGsm8kTask } from "../../src/quality/tasks/gsm8k/prompts.js";
import { createGsm8kCotTask } from "../../src/quality/tasks/gsm8k/prompts-cot.js";
import { createHellaswagTask } from "../../src/quality/tasks/hellaswag/prompts.js";
import { createMmluTask } from "../../src/quality/tasks/mmlu/prompts.js";
import { createTruthfulQaMcTask } from "../../src/quality/tasks/truthfulqa/prompts.js";
import type { LetteredItem, MultipleChoiceItem } from "../../src/quality/prompts/types.js";
import { FIXTURES } from "./fixture-paths.js";

/** Log-likelihood 0 for the gold continuation, −20 for the others. */
function perfectLoglikelihoods(item: MultipleChoiceItem): number[] {
  return item.continuations.map((_, i) => (i === item.gold ? 0 : -20));
}

/** A top-5 list led by the gold letter with a leading space, as tokenizers often print it. */
function perfectTopLogprobs(item: LetteredItem) {
  return [{ token: ` ${item.letters[item.gold]}`, logprob: -0.01 }, ...item.letters.filter((_, i) => i !== item.gold).map((token) => ({ token, logprob: -6 }))];
}

describe("a perfect scripted engine", () => {
  it("scores 1 on MMLU with every method, overall and per subject and category", () => {
    const data = loadMmlu(join(FIXTURES, "mmlu"));
    const task = createMmluTask(data, { shots: 1 });
    const docs = task.documents;
    const byLoglikelihood = docs.map((doc) => ({ subject: doc.subject, score: acc(perfectLoglikelihoods(task.multipleChoice!(doc)), doc.answer) }));
    const byTopK = docs.map((doc) => {
      const item = task.lettered!(doc);
      return { subject: doc.subject, score: topKLetterAcc(perfectTopLogprobs(item), item.letters, item.gold) };
    });
    const byGeneration = docs.map((doc) => ({ subject: doc.subject, score: generatedLetterAcc(` ${task.generation!(doc).reference}`, task.generation!(doc).reference) }));
    for (const [scores, method] of [
      [byLoglikelihood, "loglikelihood"],
      [byTopK, "top_k_letters"],
      [byGeneration, "generation"],
    ] as const) {
      const result = aggregateMmlu(scores, data.categories, method === "generation" ? "exact_match" : "acc", method);
      // world_religions has one question, so no stderr: the pooled one is NaN (the harness's N/A).
      expect(result.overall).toMatchObject({ value: 1, stderr: Number.NaN, count: 3, method });
      expect(Object.values(result.subjects).every((s) => s.value === 1)).toBe(true);
      expect(Object.values(result.categories).every((s) => s!.value === 1)).toBe(true);
    }
  });

  it("scores 1 on GSM8K (strict and flexible) and GSM8K-CoT by repeating the worked answers", () => {
    const data = loadGsm8k(join(FIXTURES, "gsm8k"));
    const task = createGsm8kTask(data, { shots: 3 });
    for (const filter of ["strict-match", "flexible-extract"] as const) {
      const scores = task.documents.map((doc) => scoreGsm8k(` ${doc.answer}`, task.generation!(doc).reference, filter));
      expect(summarize("exact_match", "generation", scores).value).toBe(1);
    }
    const cot = createGsm8kCotTask(data);
    const cotScores = cot.documents.map((doc) => {
      const { reference } = cot.generation!(doc);
      return scoreGsm8k(` Working it out. The answer is ${reference}.\n\n`, reference, "strict-match", true);
    });
    expect(cotScores).toEqual([1, 1]);
  });

  it("scores 1 on TruthfulQA mc1, mc2 (to within e^-20) and the lettered fallback", () => {
    const task = createTruthfulQaMcTask(loadTruthfulQaMc(join(FIXTURES, "truthfulqa")));
    for (const doc of task.documents) {
      const item = task.multipleChoice(doc);
      expect(acc(perfectLoglikelihoods(item), item.gold)).toBe(1);
      const mc2Item = task.mc2(doc);
      expect(mc2(mc2Item.labels.map((label) => (label === 1 ? 0 : -20)), mc2Item.labels)).toBeGreaterThan(0.999_999);
      const lettered = task.lettered(doc);
      expect(topKLetterAcc(perfectTopLogprobs(lettered), lettered.letters, lettered.gold)).toBe(1);
      expect(generatedLetterAcc(lettered.letters[lettered.gold]!, lettered.letters[lettered.gold]!)).toBe(1);
    }
  });

  it("scores 1 on HellaSwag acc and acc_norm", () => {
    const task = createHellaswagTask(loadHellaswag(join(FIXTURES, "hellaswag")), { shots: 3 });
    for (const doc of task.documents) {
      const item = task.multipleChoice!(doc);
      expect(acc(perfectLoglikelihoods(item), item.gold)).toBe(1);
      expect(accNorm(perfectLoglikelihoods(item), item.choices, item.gold)).toBe(1);
    }
  });
});
