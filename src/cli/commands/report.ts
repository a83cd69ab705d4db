/** `kitt report RUN`: a stored run or a results folder as HTML, Markdown, JSON or CSV. */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadReportDocuments } from "../../report/formats/report-documents.js";
import { renderReport } from "../../report/render-report.js";
import { REPORT_OPTIONS } from "../options/results.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

/** Any format name is accepted here: `renderReport` refuses one it does not know. */
export type ReportInput = Omit<OptionsInput<typeof REPORT_OPTIONS>, "format"> & { format?: string };

export async function reportCommand(run: string, options: ReportInput = {}): Promise<void> {
  const docs = await loadReportDocuments(run, { db: options.db });
  const text = renderReport(docs, options.format ?? REPORT_OPTIONS.format.default);
  if (options.output === undefined) {
    process.stdout.write(text);
    return;
  }
  const path = resolve(options.output);
  await writeFile(path, text);
  success(`report written to ${path}`);
}
