/**
 * `runs/{id}/report`: a stored run as `kitt report --format html|md|json|csv` writes it, as a
 * download. The HTML report is a self-contained file with its own scripts: as an attachment it
 * is saved, never rendered under this server's origin.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { storedReportDocuments } from "../../report/formats/report-documents.js";
import { renderReport, REPORT_FORMATS, type ReportFormat } from "../../report/render-report.js";
import type { ResultsStore } from "../../store/results-store.js";
import { errorResponses, jsonContent, RunIdParams } from "./schemas.js";

const CONTENT_TYPES: Record<ReportFormat, string> = {
  html: "text/html; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

const report = createRoute({
  method: "get",
  path: "/runs/{id}/report",
  summary: "a run's report as a download (as kitt report)",
  request: { params: RunIdParams, query: z.object({ format: z.enum(REPORT_FORMATS).default("html") }) },
  responses: {
    200: {
      description: "the report file",
      content: Object.fromEntries(REPORT_FORMATS.map((format) => [CONTENT_TYPES[format].split(";")[0]!, { schema: z.string() }])),
    },
    404: jsonContent(z.object({ error: z.string() }), "no such run"),
    ...errorResponses,
  },
});

export function runReportRoutes(api: OpenAPIHono, store: ResultsStore): void {
  api.openapi(report, async (c) => {
    const { format } = c.req.valid("query");
    const docs = await storedReportDocuments(store, c.req.valid("param").id);
    const text = renderReport(docs, format);
    return c.body(text, 200, {
      "Content-Type": CONTENT_TYPES[format],
      "Content-Disposition": `attachment; filename="kitt-${docs.label.slice(0, 8)}.${format}"`,
    });
  });
}
