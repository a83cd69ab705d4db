/**
 * The Hub's parquet rows turned into the documents the local loaders produce (same types, same
 * order, same indexes), for files downloaded from the Hub or placed in a local data folder.
 */
import { KittError } from "../../../errors.js";
import { gsm8kRow, type Gsm8kDoc } from "../../tasks/gsm8k/data.js";
import { hellaswagRow, type HellaswagRawDoc } from "../../tasks/hellaswag/data.js";
import type { MmluCategory, MmluData, MmluDoc } from "../../tasks/mmlu/data.js";
import { pythonStrip } from "../../python-text.js";
import { splitAnswers, truthfulQaMcRow, type TruthfulQaGenDoc, type TruthfulQaMcDoc } from "../../tasks/truthfulqa/data.js";
import type { ParquetRow } from "./parquet.js";

export { HUB_DATASETS, type HubDataset } from "./pins.js";

/**
 * MMLU from `cais/mmlu`'s `all` config (columns `question, subject, choices[4], answer`): test
 * documents subject by subject in alphabetical order, each subject's rows in file order, indexed
 * over the whole set; the dev rows grouped by subject as the few-shot pool.
 */
export function mmluFromRows(testRows: readonly ParquetRow[], devRows: readonly ParquetRow[], categories: ReadonlyMap<string, MmluCategory>, source: string): MmluData {
  const bySubject = (rows: readonly ParquetRow[], split: string) => {
    const groups = new Map<string, MmluDoc[]>();
    rows.forEach((row, i) => {
      const doc = mmluRow(row, `${source} ${split} row ${i + 1}`);
      const group = groups.get(doc.subject);
      if (group === undefined) groups.set(doc.subject, [{ ...doc, index: 0 }]);
      else group.push({ ...doc, index: group.length });
    });
    return groups;
  };
  const testGroups = bySubject(testRows, "test");
  const devGroups = bySubject(devRows, "dev");
  const subjects = [...testGroups.keys()].sort();
  if (subjects.length === 0) throw new KittError("CONFIG_INVALID", `${source}: the MMLU test split has no rows`);
  const test: MmluDoc[] = [];
  const dev = new Map<string, MmluDoc[]>();
  for (const subject of subjects) {
    if (!categories.has(subject)) throw new KittError("CONFIG_INVALID", `MMLU subject ${subject} has no category`);
    for (const doc of testGroups.get(subject)!) test.push({ ...doc, index: test.length });
    const pool = devGroups.get(subject);
    if (pool === undefined) throw new KittError("CONFIG_INVALID", `${source}: the MMLU dev split has no rows for ${subject}`);
    dev.set(subject, pool);
  }
  return { test, dev, categories };
}

function mmluRow(value: ParquetRow, where: string): Omit<MmluDoc, "index"> {
  const { question, subject, choices, answer } = value;
  if (typeof question !== "string" || typeof subject !== "string" || subject === "") {
    throw new KittError("CONFIG_INVALID", `${where} needs string "question" and "subject"`);
  }
  if (!Array.isArray(choices) || choices.length !== 4 || !choices.every((choice) => typeof choice === "string")) {
    throw new KittError("CONFIG_INVALID", `${where}: "choices" must be 4 strings`);
  }
  if (typeof answer !== "number" || !Number.isInteger(answer) || answer < 0 || answer > 3) {
    throw new KittError("CONFIG_INVALID", `${where}: answer ${String(answer)} is not 0-3`);
  }
  return { subject, question, choices: choices as MmluDoc["choices"], answer };
}

export function gsm8kFromRows(rows: readonly ParquetRow[], source: string): Gsm8kDoc[] {
  return rows.map((row, index) => gsm8kRow(row, `${source} row ${index + 1}`, index));
}

/** `truthful_qa`'s `multiple_choice` rows: `mc1_targets` / `mc2_targets` as `{choices, labels}`. */
export function truthfulQaMcFromRows(rows: readonly ParquetRow[], source: string): TruthfulQaMcDoc[] {
  return rows.map((row, index) => truthfulQaMcRow(row, `${source} row ${index + 1}`, index));
}

/**
 * `truthful_qa`'s `generation` rows (`correct_answers` / `incorrect_answers` already split on
 * ";"), preprocessed as `TruthfulQA.csv` is: each answer trimmed and ending with ".", and
 * "I have no comment." among the correct ones.
 */
export function truthfulQaGenFromRows(rows: readonly ParquetRow[], source: string): TruthfulQaGenDoc[] {
  return rows.map((row, index) => {
    const where = `${source} row ${index + 1}`;
    const text = (key: string) => {
      const field = row[key];
      if (typeof field !== "string") throw new KittError("CONFIG_INVALID", `${where} has no "${key}" string`);
      return field;
    };
    const answers = (key: string) => {
      const field = row[key];
      if (!Array.isArray(field) || !field.every((answer) => typeof answer === "string")) {
        throw new KittError("CONFIG_INVALID", `${where}: "${key}" must be a list of strings`);
      }
      return splitAnswers((field as string[]).join(";"));
    };
    const correctAnswers = answers("correct_answers");
    if (!correctAnswers.includes("I have no comment.")) correctAnswers.push("I have no comment.");
    return {
      index,
      category: text("category"),
      question: pythonStrip(text("question")),
      bestAnswer: text("best_answer"),
      correctAnswers,
      incorrectAnswers: answers("incorrect_answers"),
    };
  });
}

/** `Rowan/hellaswag` rows (label a string "0".."3", "" in the unlabelled test split). */
export function hellaswagFromRows(rows: readonly ParquetRow[], source: string): HellaswagRawDoc[] {
  return rows.map((row, index) => hellaswagRow(row, `${source} row ${index + 1}`, index));
}
