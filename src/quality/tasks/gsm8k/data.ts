/** GSM8K: jsonl (`{"question", "answer"}` per line, the answer ending `#### N`) in `test.jsonl` and `train.jsonl`, or the Hub's parquet rows (the same two columns). */
import { join } from "node:path";
import { KittError } from "../../../errors.js";
import type { ParquetRow } from "../../data/hub/parquet.js";
import { parseJsonl } from "../../data/jsonl.js";
import { readDataFile } from "../../data/read-file.js";

export interface Gsm8kDoc {
  /** Position in its split. */
  index: number;
  question: string;
  /** The full worked answer with `<<calc>>` annotations and the final `#### N`. */
  answer: string;
}

export interface Gsm8kData {
  test: Gsm8kDoc[];
  /** The few-shot pool. */
  train: Gsm8kDoc[];
}

export function loadGsm8k(dir: string): Gsm8kData {
  return { test: readGsm8kJsonl(join(dir, "test.jsonl")), train: readGsm8kJsonl(join(dir, "train.jsonl")) };
}

export function readGsm8kJsonl(path: string): Gsm8kDoc[] {
  return parseJsonl(readDataFile(path), path).map((value, index) => gsm8kRow(value, `${path} record ${index + 1}`, index));
}

/** One jsonl record or Hub parquet row (the same two columns). */
export function gsm8kRow(value: unknown, where: string, index: number): Gsm8kDoc {
  const row = value as { question?: unknown; answer?: unknown } | null;
  if (typeof row?.question !== "string" || typeof row.answer !== "string") {
    throw new KittError("CONFIG_INVALID", `${where} needs string "question" and "answer"`);
  }
  return { index, question: row.question, answer: row.answer };
}

export function gsm8kFromRows(rows: readonly ParquetRow[], source: string): Gsm8kDoc[] {
  return rows.map((row, index) => gsm8kRow(row, `${source} row ${index + 1}`, index));
}
