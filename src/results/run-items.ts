/**
 * The per-item outputs of a run's quality tests, read from its files (a results folder's or the
 * database's copy): `kitt results items` and the web API's `runs/{id}/items`.
 */
import { KittError } from "../errors.js";
import { ITEMS_FILE_PATTERN } from "./items-file.js";

export interface RunItem {
  test: string;
  run: number;
  key: string;
  subject?: string;
  scores: Record<string, number>;
  detail: Record<string, unknown>;
}

export interface RunItemsFilter {
  /** Only this test's items. */
  test?: string;
  /** Only this run of the test (1-based). */
  run?: number;
  /** Only items that scored 0 on every metric. */
  wrong?: boolean;
}

/** Every matching item, in file order; NOT_FOUND when the run has no items or none of the chosen test. */
export function runItems(files: Readonly<Record<string, string>>, label: string, filter: RunItemsFilter = {}): RunItem[] {
  const itemFiles = Object.entries(files)
    .map(([name, text]) => ({ match: ITEMS_FILE_PATTERN.exec(name), text }))
    .filter((file): file is { match: RegExpExecArray; text: string } => file.match !== null);
  if (itemFiles.length === 0) throw new KittError("NOT_FOUND", `${label} has no per-item outputs (quality and custom tests write them)`);
  const chosen = itemFiles.filter(({ match }) => (filter.test === undefined || match[1] === filter.test) && (filter.run === undefined || Number(match[2]) === filter.run));
  if (chosen.length === 0) {
    const available = itemFiles.map(({ match }) => `${match[1]} run ${match[2]}`).join(", ");
    throw new KittError("NOT_FOUND", `no items for ${filter.test ?? "any test"}${filter.run === undefined ? "" : ` run ${filter.run}`}; ${label} has: ${available}`);
  }
  return chosen.flatMap(({ match, text }) => parseItems(text, match[1]!, Number(match[2]))).filter((item) => !filter.wrong || isWrong(item));
}

function parseItems(text: string, test: string, run: number): RunItem[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      try {
        const record = JSON.parse(line) as Omit<RunItem, "test" | "run">;
        return { test, run, ...record };
      } catch (error) {
        throw new KittError("CONFIG_INVALID", `${test} run ${run}: item line ${index + 1} is not JSON`, { cause: error });
      }
    });
}

function isWrong(item: RunItem): boolean {
  return Object.values(item.scores).every((score) => score === 0);
}
