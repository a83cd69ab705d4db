/** `kitt report --format json`: the run's documents, parsed, by file name (JSONL files as arrays). */
import { parseJson } from "../../json.js";
import type { ReportDocuments } from "./report-documents.js";

export function renderJsonReport(docs: ReportDocuments): string {
  const documents: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(docs.files)) {
    if (name.endsWith(".jsonl")) {
      documents[name] = text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line, index) => parseJson(line, `${name} line ${index + 1}`));
    } else if (name.endsWith(".json")) {
      documents[name] = parseJson(text, name);
    }
  }
  return `${JSON.stringify({ run: docs.label, documents }, null, 2)}\n`;
}
