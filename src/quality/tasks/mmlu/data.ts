/**
 * MMLU from the original release's csv folders (`test/<subject>_test.csv`,
 * `dev/<subject>_dev.csv`, header `question,choice0,choice1,choice2,choice3,answer`) plus
 * `subject_categories.json`. Test documents come subject by subject in alphabetical order, each
 * file in its own row order (the Hub's `cais/mmlu` order).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { KittError } from "../../../errors.js";
import { parseCsv } from "../../data/csv.js";
import { readDataFile } from "../../data/read-file.js";

export type MmluCategory = "stem" | "humanities" | "social_sciences" | "other";

export interface MmluDoc {
  /** Position in the full test set (all subjects), stable under sampling. */
  index: number;
  subject: string;
  question: string;
  choices: [string, string, string, string];
  /** 0–3 for A–D. */
  answer: number;
}

export interface MmluData {
  test: MmluDoc[];
  /** The few-shot pool: each subject's dev rows, in file order. */
  dev: ReadonlyMap<string, MmluDoc[]>;
  categories: ReadonlyMap<string, MmluCategory>;
}

const HEADER = ["question", "choice0", "choice1", "choice2", "choice3", "answer"];
const CATEGORIES: readonly string[] = ["stem", "humanities", "social_sciences", "other"];

export function loadMmlu(dir: string): MmluData {
  const categories = readCategories(join(dir, "subject_categories.json"));
  const subjects = listSubjects(join(dir, "test"), "_test.csv");
  const test: MmluDoc[] = [];
  const dev = new Map<string, MmluDoc[]>();
  for (const subject of subjects) {
    if (!categories.has(subject)) throw new KittError("CONFIG_INVALID", `MMLU subject ${subject} has no category in subject_categories.json`);
    for (const doc of readSubjectCsv(join(dir, "test", `${subject}_test.csv`), subject)) test.push({ ...doc, index: test.length });
    dev.set(subject, readSubjectCsv(join(dir, "dev", `${subject}_dev.csv`), subject));
  }
  return { test, dev, categories };
}

function listSubjects(dir: string, suffix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new KittError("NOT_FOUND", `no MMLU test folder at ${dir}`, { cause: error });
  }
  const subjects = names.filter((name) => name.endsWith(suffix)).map((name) => name.slice(0, -suffix.length));
  if (subjects.length === 0) throw new KittError("NOT_FOUND", `no <subject>${suffix} files in ${dir}`);
  return subjects.sort();
}

export function readCategories(path: string): Map<string, MmluCategory> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readDataFile(path));
  } catch (error) {
    if (error instanceof KittError) throw error;
    throw new KittError("CONFIG_INVALID", `${path} is not valid JSON`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new KittError("CONFIG_INVALID", `${path} must map each subject to a category`);
  }
  const categories = new Map<string, MmluCategory>();
  for (const [subject, category] of Object.entries(parsed)) {
    if (typeof category !== "string" || !CATEGORIES.includes(category)) {
      throw new KittError("CONFIG_INVALID", `${path}: ${subject} has category ${String(category)}, not one of ${CATEGORIES.join(", ")}`);
    }
    categories.set(subject, category as MmluCategory);
  }
  return categories;
}

export function readSubjectCsv(path: string, subject: string): MmluDoc[] {
  const rows = parseCsv(readDataFile(path), path);
  const header = rows[0];
  if (header === undefined || header.join(",") !== HEADER.join(",")) {
    throw new KittError("CONFIG_INVALID", `${path} must start with the header ${HEADER.join(",")}`);
  }
  return rows.slice(1).map((row, i) => {
    const [question, c0, c1, c2, c3, answer] = row;
    const line = `${path} record ${i + 1}`;
    if (row.length !== 6 || c3 === undefined) throw new KittError("CONFIG_INVALID", `${line} has ${row.length} fields, not 6`);
    if (answer === undefined || !/^[0-3]$/.test(answer)) throw new KittError("CONFIG_INVALID", `${line}: answer ${String(answer)} is not 0-3`);
    return { index: i, subject, question: question!, choices: [c0!, c1!, c2!, c3], answer: Number(answer) };
  });
}
