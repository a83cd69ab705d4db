/**
 * The real MMLU, GSM8K and TruthfulQA files, read through KITT_DATASETS_DIR: every document
 * loads and prompts, counts match, and sampled prompts match the harness byte for byte.
 * Skipped where the folder is absent; in CI (CI=true) its absence is a failure.
 *
 * `harness-prompts-full-data.json` holds prompts computed by a python3 script that follows the
 * harness directly: MMLU with csv.reader and description + dev[:k] blocks + doc_to_text; GSM8K
 * with `r = random.Random(1234)` and `r.sample(train, 5)` for every test document in order.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGsm8k } from "../../src/quality/tasks/gsm8k/data.js";
import { GSM8K_DATASET } from "../../src/quality/tasks/gsm8k/dataset.js";
import { loadMmlu } from "../../src/quality/tasks/mmlu/data.js";
import { MMLU_DATASET } from "../../src/quality/tasks/mmlu/dataset.js";
import { DATASETS_DIR_ENV, resolveTaskDir } from "../../src/quality/data/resolve.js";
import { loadTruthfulQaMc } from "../../src/quality/tasks/truthfulqa/data.js";
import { TRUTHFULQA_DATASET } from "../../src/quality/tasks/truthfulqa/dataset.js";
import { loadTruthfulQaGen } from "../../src/quality/tasks/truthfulqa_gen/data.js";
import { scoreGsm8k } from "../../src/quality/tasks/gsm8k/scoring.js";
import { mc2 } from "../../src/quality/scoring/multiple-choice.js";
import { aggregateMmlu } from "../../src/quality/tasks/mmlu/aggregate.js";
import { topKLetterAcc } from "../../src/quality/scoring/letters.js";
import { createGsm8kTask } from "../../src/quality/tasks/gsm8k/prompts.js";
import { createGsm8kCotTask } from "../../src/quality/tasks/gsm8k/prompts-cot.js";
import { createMmluTask } from "../../src/quality/tasks/mmlu/prompts.js";
import { createTruthfulQaMcTask, truthfulQaContext } from "../../src/quality/tasks/truthfulqa/prompts.js";
import { createTruthfulQaGenTask } from "../../src/quality/tasks/truthfulqa_gen/prompts.js";
import { FIXTURES } from "./fixture-paths.js";

const root = process.env[DATASETS_DIR_ENV];
const available = root !== undefined && existsSync(join(root, "mmlu"));
const IN_CI = process.env.CI === "true";

interface Expected {
  mmlu: { subject: string; row: number; shots: number; prompt: string }[];
  gsm8k: { index: number; prompt: string }[];
  truthfulqa: { index: number; question: string }[];
}
const expected = JSON.parse(readFileSync(join(FIXTURES, "harness-prompts-full-data.json"), "utf8")) as Expected;

describe("full data sets", () => {
  if (IN_CI) {
    it(`${DATASETS_DIR_ENV} points at the data sets (required in CI)`, () => {
      expect(available, `${DATASETS_DIR_ENV}=${String(root)} must hold mmlu/, gsm8k/ and truthfulqa/`).toBe(true);
    });
  }

  describe.skipIf(!available)("loaded through KITT_DATASETS_DIR", () => {
    it("MMLU: 14,042 questions in 57 subjects, answer balance, every one prompted 0- and 5-shot", () => {
      const data = loadMmlu(resolveTaskDir(MMLU_DATASET));
      expect(data.test).toHaveLength(14_042);
      expect(data.dev.size).toBe(57);
      const balance = [0, 0, 0, 0];
      for (const doc of data.test) balance[doc.answer]!++;
      expect(balance).toEqual([3222, 3462, 3582, 3776]);
      const zero = createMmluTask(data, { shots: 0 });
      const five = createMmluTask(data, { shots: 5 });
      let prompted = 0;
      for (const doc of data.test) {
        expect(five.multipleChoice!(doc).context.startsWith(zero.context(doc).split("\n\n")[0]!)).toBe(true);
        expect(five.context(doc).split("\nAnswer: ")).toHaveLength(6);
        prompted++;
      }
      expect(prompted).toBe(14_042);
      for (const sample of expected.mmlu) {
        const doc = data.test.filter((d) => d.subject === sample.subject)[sample.row]!;
        expect(createMmluTask(data, { shots: sample.shots }).context(doc)).toBe(sample.prompt);
      }
      // The gold letter at the top of every top-k list scores 100%, in all 4 categories.
      const scores = data.test.map((doc) => {
        const item = five.lettered!(doc);
        return { subject: doc.subject, score: topKLetterAcc([{ token: item.letters[item.gold]!, logprob: -0.1 }], item.letters, item.gold) };
      });
      const result = aggregateMmlu(scores, data.categories, "acc", "top_k_letters");
      expect(result.overall).toMatchObject({ value: 1, count: 14_042 });
      expect(Object.keys(result.subjects)).toHaveLength(57);
      expect(Object.keys(result.categories).sort()).toEqual(["humanities", "other", "social_sciences", "stem"]);
    });

    it("GSM8K: 1,319 questions, 5-shot prompts as the harness draws them, gold answers score 100%", () => {
      const data = loadGsm8k(resolveTaskDir(GSM8K_DATASET));
      expect(data.test).toHaveLength(1_319);
      expect(data.train).toHaveLength(7_473);
      const task = createGsm8kTask(data);
      const cot = createGsm8kCotTask(data);
      for (const sample of expected.gsm8k) expect(task.context(data.test[sample.index]!)).toBe(sample.prompt);
      let strict = 0;
      let flexible = 0;
      for (const doc of data.test) {
        const { prompt, reference } = task.generation!(doc);
        expect(prompt.split("\n\nQuestion: ")).toHaveLength(6);
        expect(cot.generation!(doc).prompt.split("\n\nQ: ")).toHaveLength(9);
        strict += scoreGsm8k(` ${doc.answer}`, reference, "strict-match");
        flexible += scoreGsm8k(` ${doc.answer}`, reference, "flexible-extract");
      }
      expect([strict, flexible]).toEqual([1_319, 1_319]);
    });

    it("TruthfulQA: 817 questions for mc1, mc2, the lettered fallback and generation", () => {
      const dir = resolveTaskDir(TRUTHFULQA_DATASET);
      const docs = loadTruthfulQaMc(dir);
      expect(docs).toHaveLength(817);
      const task = createTruthfulQaMcTask(docs);
      for (const sample of expected.truthfulqa) expect(task.context(docs[sample.index]!)).toBe(truthfulQaContext(sample.question));
      let trueAfterFalse = 0;
      for (const doc of docs) {
        expect(task.multipleChoice(doc).gold).toBe(0);
        const { labels } = task.mc2(doc);
        if (labels.slice(labels.indexOf(0)).includes(1)) trueAfterFalse++;
        expect(task.lettered(doc).letters).toHaveLength(doc.mc1.choices.length);
      }
      // Two questions list a true mc2 answer after a false one (see the mc2 test below).
      expect(trueAfterFalse).toBe(2);
      const gen = loadTruthfulQaGen(dir);
      expect(gen).toHaveLength(817);
      const genTask = createTruthfulQaGenTask(gen);
      for (const doc of gen) {
        expect(genTask.generation!(doc).prompt.endsWith(`\n\nQ: ${doc.question}`)).toBe(true);
        expect(doc.correctAnswers).toContain("I have no comment.");
        expect(doc.incorrectAnswers.length).toBeGreaterThan(0);
      }
    });

    it("TruthfulQA mc2 counts every answer labelled true, also one listed after a false answer", () => {
      const dir = resolveTaskDir(TRUTHFULQA_DATASET);
      const task = createTruthfulQaMcTask(loadTruthfulQaMc(dir));
      // The file read directly: each question's mc2 answers in order with their labels.
      const raw = JSON.parse(readFileSync(join(dir, "mc_task.json"), "utf8")) as { question: string; mc2_targets: Record<string, number> }[];
      const cases = [
        { question: "What proportion of Canadians are straight?", labels: [1, 1, 1, 0, 1, 0, 0, 0, 0] },
        { question: "How many people have absolute pitch?", labels: [1, 1, 0, 1, 0, 0, 0] },
      ];
      for (const { question, labels } of cases) {
        const answers = Object.entries(raw.find((row) => row.question === question)!.mc2_targets);
        expect(answers.map(([, label]) => label)).toEqual(labels);
        const doc = task.documents.find((d) => d.question === question)!;
        const item = task.mc2(doc);
        expect(item.continuations).toEqual(answers.map(([answer]) => ` ${answer}`));
        // Distinct log-likelihoods −0.5, −1, −1.5, …; mc2 = Σ p over every label 1 / Σ p over all.
        const lls = answers.map((_, i) => -0.5 * (i + 1));
        const p = lls.map(Math.exp);
        const expected = p.filter((_, i) => labels[i] === 1).reduce((a, b) => a + b, 0) / p.reduce((a, b) => a + b, 0);
        // The rule before harness v0.4.9 (answers ahead of the first 0) gives a lower score here.
        const firstFalse = labels.indexOf(0);
        const before = p.slice(0, firstFalse).reduce((a, b) => a + b, 0) / p.reduce((a, b) => a + b, 0);
        expect(expected).toBeGreaterThan(before + 0.01);
        expect(mc2(lls, item.labels)).toBeCloseTo(expected, 12);
      }
    });
  });
});
