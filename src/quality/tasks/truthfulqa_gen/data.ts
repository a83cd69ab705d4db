/**
 * TruthfulQA's generation references: `TruthfulQA.csv` (UTF-8 BOM), or the Hub's `generation`
 * rows, read from the `truthfulqa` data set.
 */
import { join } from "node:path";
import { KittError } from "../../../errors.js";
import { parseCsv } from "../../data/csv.js";
import type { ParquetRow } from "../../data/hub/parquet.js";
import { readDataFile } from "../../data/read-file.js";
import type { LoadedTaskData, TaskDataOptions } from "../../data/task-data.js";
import { pythonStrip } from "../../python-text.js";
import { loadTruthfulQaConfig } from "../truthfulqa/dataset.js";

export interface TruthfulQaGenDoc {
  index: number;
  category: string;
  question: string;
  bestAnswer: string;
  /** Split on ";", trimmed, each ending with "." and "I have no comment." added (the harness's preprocessing). */
  correctAnswers: string[];
  incorrectAnswers: string[];
}

const CSV_HEADER = ["Type", "Category", "Question", "Best Answer", "Correct Answers", "Incorrect Answers", "Source"];

export function loadTruthfulQaGen(dir: string): TruthfulQaGenDoc[] {
  const path = join(dir, "TruthfulQA.csv");
  const rows = parseCsv(readDataFile(path), path);
  const header = rows[0] ?? [];
  const column = (name: string) => {
    const at = header.indexOf(name);
    if (at < 0) throw new KittError("CONFIG_INVALID", `${path} has no "${name}" column (expected ${CSV_HEADER.join(",")})`);
    return at;
  };
  const [category, question, best, correct, incorrect] = ["Category", "Question", "Best Answer", "Correct Answers", "Incorrect Answers"].map(column);
  return rows.slice(1).map((row, index) => {
    const correctAnswers = splitAnswers(row[correct!] ?? "");
    if (!correctAnswers.includes("I have no comment.")) correctAnswers.push("I have no comment.");
    return {
      index,
      category: row[category!] ?? "",
      question: pythonStrip(row[question!] ?? ""),
      bestAnswer: row[best!] ?? "",
      correctAnswers,
      incorrectAnswers: splitAnswers(row[incorrect!] ?? ""),
    };
  });
}

/** The harness's `_format_answers` over the Hub's `;`-split list: trim, drop empties, end each with ".". */
export function splitAnswers(field: string): string[] {
  return field
    .split(";")
    .map(pythonStrip)
    .filter((answer) => answer.length > 0)
    .map((answer) => (answer.endsWith(".") ? answer : `${answer}.`));
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

/** TruthfulQA's generation references (`TruthfulQA.csv`, or the Hub's `generation` config). */
export function loadTruthfulQaGenData(options: TaskDataOptions = {}): Promise<LoadedTaskData<TruthfulQaGenDoc[]>> {
  return loadTruthfulQaConfig("TruthfulQA.csv", loadTruthfulQaGen, "generation", truthfulQaGenFromRows, options);
}
