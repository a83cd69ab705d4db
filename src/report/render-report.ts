/** One entry point for every `kitt report` format. */
import { KittError } from "../errors.js";
import { renderCsvReport } from "./formats/csv-report.js";
import { renderJsonReport } from "./formats/json-report.js";
import { renderMarkdownReport } from "./formats/markdown-report.js";
import { parseReport, type ReportDocuments } from "./formats/report-documents.js";
import { renderHtmlReport } from "./html/render-html.js";

export const REPORT_FORMATS = ["html", "md", "json", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

export function renderReport(docs: ReportDocuments, format: string): string {
  switch (format) {
    case "html":
      return renderHtmlReport(docs);
    case "md":
      return renderMarkdownReport(parseReport(docs));
    case "json":
      return renderJsonReport(docs);
    case "csv":
      return renderCsvReport(parseReport(docs));
    default:
      throw new KittError("USAGE", `--format must be one of ${REPORT_FORMATS.join(", ")}`);
  }
}
