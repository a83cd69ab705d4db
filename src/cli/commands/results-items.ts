/**
 * `kitt results items RUN`: the per-item outputs of a run's quality tests — each document's
 * scores and what the engine answered — from a results folder or the database.
 */
import { loadReportDocuments } from "../../report/formats/report-documents.js";
import { runItems } from "../../results/run-items.js";
import { textTable } from "../../report/text-table.js";
import type { RESULTS_ITEMS_OPTIONS } from "../options/results.js";
import type { OptionsOf } from "../options/table.js";

const ANSWER_FIELDS = ["response", "output", "generation", "answer"] as const;
const ANSWER_WIDTH = 70;
const TABLE_ROWS = 50;

export async function resultsItemsCommand(run: string, options: OptionsOf<typeof RESULTS_ITEMS_OPTIONS>): Promise<void> {
  const docs = await loadReportDocuments(run, { db: options.db });
  const items = runItems(docs.files, docs.label, options);
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
