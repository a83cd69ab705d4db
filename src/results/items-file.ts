/**
 * Per-item outputs of quality tests in a results folder: `<test>-run<N>.items.jsonl`, one
 * record per document (its key, scores and what the engine said), copied from the gzip outputs
 * file the quality runner wrote (`metrics.outputs_file`). The database keeps the same text beside
 * the test, so `kitt results items` shows it from either place.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import type { TestResult } from "../bench/suite-results.js";

export const ITEMS_FILE_PATTERN = /^(.+)-run(\d+)\.items\.jsonl$/;

export function itemsFileName(testName: string, runNumber: number): string {
  return `${testName}-run${runNumber}.items.jsonl`;
}

// The results folder and the database both keep a test's items: read and unpack them once.
const itemsByResult = new WeakMap<Pick<TestResult, "metrics">, Promise<string | undefined>>();

/** The test's per-item records as JSONL text, or undefined when it wrote none (or they are gone). */
export function readItemsText(result: Pick<TestResult, "metrics">): Promise<string | undefined> {
  let items = itemsByResult.get(result);
  if (items === undefined) {
    items = unpackItems(result.metrics.outputs_file);
    itemsByResult.set(result, items);
  }
  return items;
}

async function unpackItems(path: unknown): Promise<string | undefined> {
  if (typeof path !== "string") return undefined;
  try {
    return gunzipSync(await readFile(path)).toString("utf8");
  } catch {
    // A run stopped before its first item, or the file was cleaned up: the scores still stand.
    return undefined;
  }
}
