/**
 * HellaSwag jsonl in either shape: the original release's (`ind, activity_label, ctx_a, ctx_b,
 * ctx, endings, label, split, source_id`, label a number) or the Hub's rows (the same fields,
 * label a string "0".."3"). Labels are normalised to numbers here, once.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { KittError } from "../../../errors.js";
import type { ParquetRow } from "../../data/hub/parquet.js";
import { parseJsonl } from "../../data/jsonl.js";
import { readDataFile } from "../../data/read-file.js";
import { findDataFile } from "../../data/resolve.js";

export interface HellaswagRawDoc {
  index: number;
  activityLabel: string;
  ctxA: string;
  ctxB: string;
  endings: string[];
  /** The gold ending; -1 where the file has no label (the unlabelled test split). */
  label: number;
}

export function readHellaswagJsonl(path: string): HellaswagRawDoc[] {
  return parseJsonl(readDataFile(path), path).map((value, index) => hellaswagRow(value, `${path} record ${index + 1}`, index));
}

export function hellaswagRow(value: unknown, where: string, index: number): HellaswagRawDoc {
  const row = value as Record<string, unknown> | null;
  const text = (key: string) => {
    const field = row?.[key];
    if (typeof field !== "string") throw new KittError("CONFIG_INVALID", `${where} has no "${key}" string`);
    return field;
  };
  const endings = row?.endings;
  if (!Array.isArray(endings) || endings.length === 0 || !endings.every((e) => typeof e === "string")) {
    throw new KittError("CONFIG_INVALID", `${where} needs "endings", a list of strings`);
  }
  const raw = row?.label;
  const label = raw === "" || raw === undefined || raw === null ? -1 : Number(raw);
  if (label !== -1 && !(Number.isInteger(label) && label >= 0 && label < endings.length)) {
    throw new KittError("CONFIG_INVALID", `${where}: label ${String(raw)} is not an ending's index`);
  }
  return { index, activityLabel: text("activity_label"), ctxA: text("ctx_a"), ctxB: text("ctx_b"), endings: endings as string[], label };
}

export interface HellaswagData {
  validation: HellaswagRawDoc[];
  /** The few-shot pool, when a train file is present. */
  train?: HellaswagRawDoc[];
}

const VALIDATION_FILES = ["hellaswag_val.jsonl", "validation.jsonl"];
const TRAIN_FILES = ["hellaswag_train.jsonl", "train.jsonl"];

export function loadHellaswag(dir: string): HellaswagData {
  const validation = readHellaswagJsonl(findDataFile(dir, VALIDATION_FILES, "HellaSwag validation file"));
  const trainFile = TRAIN_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
  return trainFile === undefined ? { validation } : { validation, train: readHellaswagJsonl(trainFile) };
}

/** `Rowan/hellaswag` rows (label a string "0".."3", "" in the unlabelled test split). */
export function hellaswagFromRows(rows: readonly ParquetRow[], source: string): HellaswagRawDoc[] {
  return rows.map((row, index) => hellaswagRow(row, `${source} row ${index + 1}`, index));
}
