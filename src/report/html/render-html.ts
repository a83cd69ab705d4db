/**
 * `kitt report --format html`: one self-contained page — uPlot's script and stylesheet and the
 * chart data are all inline, so the file opens offline and can be mailed or archived as is.
 * A chart without data says why ("not measured: …") instead of drawing an empty axis; a serving
 * run the client or its connections limited says so above everything else.
 */
import type { ReportDocuments } from "../formats/report-documents.js";
import { CHART_SCRIPT } from "./chart-script.js";
import { escapeHtml, REPORT_CSS, renderReportBody } from "./report-body.js";
import { uplotAssets } from "./uplot-assets.js";

export function renderHtmlReport(input: ReportDocuments): string {
  const body = renderReportBody(input);
  const { script, css } = uplotAssets();
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(body.title)}</title>`,
    `<style>${css}${REPORT_CSS}</style>`,
    "</head>",
    "<body>",
    body.html,
    body.dataScript,
    `<script>${scriptSafe(script)}</script>`,
    `<script>${CHART_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Script text must not close its element early. */
function scriptSafe(value: string): string {
  return value.replace(/<\/(script)/gi, "<\\/$1");
}
