/**
 * `kitt results items RUN`: the per-item outputs of a run's quality tests — each document's
 * scores and what the engine answered — from a results folder or the database.
 */
import { KittError } from "../../errors.js";
import { loadReportDocuments } from "../../report/formats/report-documents.js";
import { ITEMS_FILE_PATTERN } from "../../results/items-file.js";
import { textTable } from "../../report/text-table.js";
import type { RESULTS_ITEMS_OPTIONS } from "../options/results.js";
import type { OptionsOf } from "../options/table.js";

interface ShownItem {
  test: string;
  run: number;
  key: string;
  subject?: string;
  scores: Record<string, number>;
  detail: Record<string, unknown>;
}

const ANSWER_FIELDS = ["response", "output", "generation", "answer"] as const;
const ANSWER_WIDTH = 70;
const TABLE_ROWS = 50;

export async function resultsItemsCommand(run: string, options: OptionsOf<typeof RESULTS_ITEMS_OPTIONS>): Promise<void> {
  const docs = await loadReportDocuments(run, { db: options.db });
  const files = Object.entries(docs.files)
    .map(([name, text]) => ({ match: ITEMS_FILE_PATTERN.exec(name), text }))
    .filter((file): file is { match: RegExpExecArray; text: string } => file.match !== null);
  if (files.length === 0) throw new KittError("NOT_FOUND", `${docs.label} has no per-item outputs (quality and custom tests write them)`);
  const chosen = files.filter(({ match }) => (options.test === undefined || match[1] === options.test) && (options.run === undefined || Number(match[2]) === options.run));
  if (chosen.length === 0) {
    const available = files.map(({ match }) => `${match[1]} run ${match[2]}`).join(", ");
    throw new KittError("NOT_FOUND", `no items for ${options.test ?? "any test"}${options.run === undefined ? "" : ` run ${options.run}`}; ${docs.label} has: ${available}`);
  }

  const items = chosen.flatMap(({ match, text }) => parseItems(text, match[1]!, Number(match[2]))).filter((item) => !options.wrong || isWrong(item));
  const shown = items.slice(0, options.limit ?? (options.json ? items.length : TABLE_ROWS));
  if (options.json) {
    for (const item of shown) process.stdout.write(`${JSON.stringify(item)}\n`);
    return;
  }
  const table = textTable({ head: ["test", "run", "item", "scores", "answer"] });
  for (const item of shown) {
    const key = item.subject === undefined ? item.key : `${item.key} (${item.subject})`;
    table.push([item.test, String(item.run), key, formatScores(item.scores), answerOf(item.detail)]);
  }
  process.stdout.write(`${table.toString()}\n`);
  const rest = items.length - shown.length;
  const count = (n: number) => n.toLocaleString("en-US");
  process.stdout.write(`${count(shown.length)} of ${count(items.length)} items${options.wrong ? " that scored 0" : ""}\n`);
  if (rest > 0) process.stdout.write(`… ${count(rest)} more; --limit N or --json for all\n`);
}

function parseItems(text: string, test: string, run: number): ShownItem[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      try {
        const record = JSON.parse(line) as Omit<ShownItem, "test" | "run">;
        return { test, run, ...record };
      } catch (error) {
        throw new KittError("CONFIG_INVALID", `${test} run ${run}: item line ${index + 1} is not JSON`, { cause: error });
      }
    });
}

function isWrong(item: ShownItem): boolean {
  return Object.values(item.scores).every((score) => score === 0);
}

function formatScores(scores: Record<string, number>): string {
  return Object.entries(scores)
    .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(3)}`)
    .join(", ");
}

/** What the engine said, in one short line: its text where it generated, else the scoring detail. */
function answerOf(detail: Record<string, unknown>): string {
  const field = ANSWER_FIELDS.find((name) => typeof detail[name] === "string");
  const text = field === undefined ? JSON.stringify(detail) : (detail[field] as string);
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > ANSWER_WIDTH ? `${line.slice(0, ANSWER_WIDTH - 1)}…` : line;
}
