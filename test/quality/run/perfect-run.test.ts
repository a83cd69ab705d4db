/**
 * A scripted engine that always answers correctly scores 100% through the runner, for every task
 * and every method it can use, with each number labelled by its method.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Metrics } from "../../../src/bench/types.js";
import { loadGsm8k } from "../../../src/quality/tasks/gsm8k/data.js";
import { loadHellaswag } from "../../../src/quality/tasks/hellaswag/data.js";
import { loadMmlu } from "../../../src/quality/tasks/mmlu/data.js";
import { loadTruthfulQaMc } from "../../../src/quality/tasks/truthfulqa/data.js";
import type { ScoringMethod } from "../../../src/quality/scoring/summary.js";
import { planGsm8k } from "../../../src/quality/tasks/gsm8k/plan.js";
import { planHellaswag } from "../../../src/quality/tasks/hellaswag/plan.js";
import { planMmlu } from "../../../src/quality/tasks/mmlu/plan.js";
import { planTruthfulQa } from "../../../src/quality/tasks/truthfulqa/plan.js";
import type { QualityPlan } from "../../../src/quality/run/plan.js";
import { runPlan } from "../../../src/quality/run/run-plan.js";
import { createGsm8kTask } from "../../../src/quality/tasks/gsm8k/prompts.js";
import { createHellaswagTask } from "../../../src/quality/tasks/hellaswag/prompts.js";
import { createMmluTask } from "../../../src/quality/tasks/mmlu/prompts.js";
import { createTruthfulQaMcTask } from "../../../src/quality/tasks/truthfulqa/prompts.js";
import type { LetteredItem, MultipleChoiceItem } from "../../../src/quality/prompts/types.js";
import { FIXTURES } from "../fixture-paths.js";
import { emptyAnswerKey, ScriptedEngine, type AnswerKey } from "./scripted-engine.js";

const env = { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-quality-")) };

function learnChoice(key: AnswerKey, item: MultipleChoiceItem, trueIndexes: readonly number[]): void {
  const set = key.trueContinuations.get(item.context) ?? new Set<string>();
  for (const i of trueIndexes) set.add(item.continuations[i]!);
  key.trueContinuations.set(item.context, set);
}

function learnLetter(key: AnswerKey, item: LetteredItem): void {
  key.letters.set(item.prompt, item.letters[item.gold]!);
  key.generations.set(item.prompt, ` ${item.letters[item.gold]!}`);
}

async function run(plan: QualityPlan, engine: ScriptedEngine): Promise<Metrics> {
  const result = await runPlan({ plan, engine, settings: {}, signal: new AbortController().signal, concurrency: 3, env });
  expect(result.errors).toEqual([]);
  return result.metrics;
}

describe("a scripted engine that answers correctly", () => {
  it("MMLU: acc 1 by log-likelihood and top-k letters, exact_match 1 generated; per subject and category", async () => {
    const data = loadMmlu(join(FIXTURES, "mmlu"));
    const task = createMmluTask(data, { shots: 1 });
    const key = emptyAnswerKey();
    for (const doc of task.documents) {
      learnChoice(key, task.multipleChoice!(doc), [doc.answer]);
      learnLetter(key, task.lettered!(doc));
      key.generations.set(task.generation!(doc).prompt, ` ${task.generation!(doc).reference}`);
    }
    for (const [method, metric] of [
      ["loglikelihood", "acc"],
      ["top_k_letters", "acc"],
      ["generation", "exact_match"],
    ] as const) {
      const engine = new ScriptedEngine(key);
      const metrics = await run(planMmlu(task, { engine, method, topK: 20 }), engine);
      // Pooled over subjects, and world_religions (one question) has no stderr, so neither has the whole.
      expect(metrics).toMatchObject({ task: "mmlu_1shot", method, prompt: "harness", n: 3, [metric]: 1, [`${metric}_stderr`]: null });
      expect(metrics.per_subject).toEqual({
        astronomy: { n: 2, [metric]: 1, [`${metric}_stderr`]: 0 },
        world_religions: { n: 1, [metric]: 1, [`${metric}_stderr`]: null },
      });
      expect(Object.keys(metrics.per_category as object).sort()).toEqual(["humanities", "stem"]);
    }
  });

  it("GSM8K: exact match 1 under both filters", async () => {
    const task = createGsm8kTask(loadGsm8k(join(FIXTURES, "gsm8k")), { shots: 3 });
    const key = emptyAnswerKey();
    for (const doc of task.documents) key.generations.set(task.generation!(doc).prompt, ` ${doc.answer}`);
    const engine = new ScriptedEngine(key);
    const metrics = await run(planGsm8k(task, { engine, method: "generation", topK: 20 }), engine);
    expect(metrics).toMatchObject({ method: "generation", n: 2, exact_match_strict: 1, exact_match_flexible: 1 });
    expect(engine.calls).toEqual({ loglikelihood: 0, topK: 0, generate: 2 });
  });

  it("TruthfulQA: mc1 1 and mc2 ≈ 1 by log-likelihood, asking each answer once; lettered_acc 1 in the fallback", async () => {
    const task = createTruthfulQaMcTask(loadTruthfulQaMc(join(FIXTURES, "truthfulqa")));
    const key = emptyAnswerKey();
    let distinct = 0;
    for (const doc of task.documents) {
      learnChoice(key, task.multipleChoice(doc), [0]);
      const mc2 = task.mc2(doc);
      learnChoice(key, mc2, mc2.labels.flatMap((label, i) => (label === 1 ? [i] : [])));
      learnLetter(key, task.lettered(doc));
      distinct += new Set([...doc.mc1.choices, ...doc.mc2.choices]).size;
    }
    const engine = new ScriptedEngine(key);
    const metrics = await run(planTruthfulQa(task, { engine, method: "loglikelihood", topK: 20 }), engine);
    expect(metrics).toMatchObject({ method: "loglikelihood", prompt: "harness", n: 2, mc1: 1 });
    expect(metrics.mc2).toBeGreaterThan(0.999_999);
    expect(metrics).not.toHaveProperty("lettered_acc");
    expect(engine.calls.loglikelihood).toBe(distinct);
    for (const method of ["top_k_letters", "lettered_generation"] as ScoringMethod[]) {
      const fallback = new ScriptedEngine(key);
      const lettered = await run(planTruthfulQa(task, { engine: fallback, method, topK: 20 }), fallback);
      expect(lettered).toMatchObject({ method, prompt: "lettered", lettered_acc: 1 });
      expect(lettered).not.toHaveProperty("mc1");
    }
  });

  it("HellaSwag: acc and acc_norm 1 by log-likelihood; lettered_acc 1 in the fallback", async () => {
    const task = createHellaswagTask(loadHellaswag(join(FIXTURES, "hellaswag")), { shots: 3 });
    const key = emptyAnswerKey();
    for (const doc of task.documents) {
      learnChoice(key, task.multipleChoice!(doc), [doc.gold]);
      learnLetter(key, task.lettered!(doc));
    }
    const engine = new ScriptedEngine(key);
    const metrics = await run(planHellaswag(task, { engine, method: "loglikelihood", topK: 20 }), engine);
    expect(metrics).toMatchObject({ task: "hellaswag_3shot", method: "loglikelihood", acc: 1, acc_norm: 1, n: 2 });
    const fallback = new ScriptedEngine(key);
    expect(await run(planHellaswag(task, { engine: fallback, method: "top_k_letters", topK: 20 }), fallback)).toMatchObject({
      method: "top_k_letters",
      prompt: "lettered",
      lettered_acc: 1,
    });
  });
});
