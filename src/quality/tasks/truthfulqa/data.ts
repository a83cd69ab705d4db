/**
 * TruthfulQA's multiple-choice documents: `mc_task.json` for mc1/mc2 (each target set a
 * `{choice: label}` object), or the Hub's `multiple_choice` rows (`{choices, labels}`).
 */
import { join } from "node:path";
import { KittError } from "../../../errors.js";
import { isObject } from "../../../json.js";
import type { ParquetRow } from "../../data/hub/parquet.js";
import { readDataFile } from "../../data/read-file.js";

export interface Targets {
  choices: string[];
  /** 1 = true, 0 = false, in the file's order. */
  labels: number[];
}

export interface TruthfulQaMcDoc {
  index: number;
  question: string;
  /** Exactly one true answer, listed first. */
  mc1: Targets;
  mc2: Targets;
}

export function loadTruthfulQaMc(dir: string): TruthfulQaMcDoc[] {
  const path = join(dir, "mc_task.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(readDataFile(path));
  } catch (error) {
    if (error instanceof KittError) throw error;
    throw new KittError("CONFIG_INVALID", `${path} is not valid JSON`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new KittError("CONFIG_INVALID", `${path} must hold a list of questions`);
  return parsed.map((value: unknown, index) => truthfulQaMcRow(value, `${path} question ${index + 1}`, index));
}

/** One `mc_task.json` entry or Hub parquet row (`multiple_choice` config). */
export function truthfulQaMcRow(value: unknown, where: string, index: number): TruthfulQaMcDoc {
  const row = value as { question?: unknown; mc1_targets?: unknown; mc2_targets?: unknown } | null;
  if (typeof row?.question !== "string") throw new KittError("CONFIG_INVALID", `${where} has no "question" string`);
  const mc1 = readTargets(row.mc1_targets, `${where} mc1_targets`);
  if (mc1.labels[0] !== 1 || mc1.labels.filter((label) => label === 1).length !== 1) {
    throw new KittError("CONFIG_INVALID", `${where}: mc1_targets must list exactly one true answer, first`);
  }
  return { index, question: row.question, mc1, mc2: readTargets(row.mc2_targets, `${where} mc2_targets`) };
}

function readTargets(value: unknown, where: string): Targets {
  const shaped = value as { choices?: unknown; labels?: unknown } | null;
  let choices: unknown[];
  let labels: unknown[];
  if (Array.isArray(shaped?.choices) && Array.isArray(shaped.labels)) {
    choices = shaped.choices;
    labels = shaped.labels;
  } else if (isObject(value)) {
    choices = Object.keys(value);
    // JavaScript lists integer-like keys first, which would reorder the answers.
    if (choices.some((key) => /^(0|[1-9]\d*)$/.test(key as string))) {
      throw new KittError("CONFIG_INVALID", `${where}: an answer that is a bare integer cannot keep its order; use the {choices, labels} form`);
    }
    labels = Object.values(value);
  } else {
    throw new KittError("CONFIG_INVALID", `${where} must be {choice: label} or {choices, labels}`);
  }
  if (choices.length === 0 || choices.length !== labels.length) throw new KittError("CONFIG_INVALID", `${where} has no answers or mismatched labels`);
  if (!choices.every((c) => typeof c === "string") || !labels.every((l) => l === 0 || l === 1)) {
    throw new KittError("CONFIG_INVALID", `${where}: answers must be strings and labels 0 or 1`);
  }
  return { choices: choices as string[], labels: labels as number[] };
}

/** `truthful_qa`'s `multiple_choice` rows: `mc1_targets` / `mc2_targets` as `{choices, labels}`. */
export function truthfulQaMcFromRows(rows: readonly ParquetRow[], source: string): TruthfulQaMcDoc[] {
  return rows.map((row, index) => truthfulQaMcRow(row, `${source} row ${index + 1}`, index));
}
