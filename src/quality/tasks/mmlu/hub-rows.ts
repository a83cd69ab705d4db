/**
 * The Hub's MMLU parquet rows turned into the documents the csv loader produces (same types, same
 * order, same indexes), for files downloaded from the Hub or placed in a local data folder.
 */
import { KittError } from "../../../errors.js";
import type { ParquetRow } from "../../data/hub/parquet.js";
import type { MmluCategory, MmluData, MmluDoc } from "./data.js";

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
