/** `kitt report RUN`: a stored run or a results folder as HTML, Markdown, JSON or CSV. */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadReportDocuments } from "../../report/formats/report-documents.js";
import { renderReport } from "../../report/render-report.js";
import { success } from "../ui.js";

export interface ReportOptions {
  /** html, md, json or csv (default html). */
  format?: string;
  /** File to write; stdout when absent. */
  output?: string;
  db?: string;
}

export async function reportCommand(run: string, options: ReportOptions = {}): Promise<void> {
  const docs = await loadReportDocuments(run, { db: options.db });
  const text = renderReport(docs, options.format ?? "html");
  if (options.output === undefined) {
    process.stdout.write(text);
    return;
  }
  const path = resolve(options.output);
  await writeFile(path, text);
  success(`report written to ${path}`);
}
