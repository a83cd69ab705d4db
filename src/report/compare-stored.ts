/** Stored runs compared against the first: what `kitt compare --format json` prints and the web API's `compare` returns. */
import type { ResultsStore } from "../store/results-store.js";
import { compareRuns, type CompareRow } from "./compare.js";

export interface StoredComparison {
  baseline: string;
  runs: string[];
  rows: CompareRow[];
}

/** `ids` are run ids or unique prefixes, the baseline first. */
export async function compareStoredRuns(store: ResultsStore, ids: readonly string[]): Promise<StoredComparison> {
  const runIds: string[] = [];
  for (const id of ids) runIds.push(await store.resolveId(id));
  return { baseline: runIds[0]!, runs: runIds, rows: compareRuns(runIds, await store.compareMetrics(runIds)) };
}
