/** `runs/{id}/export`: the run's results folder as a `.tar.gz` download. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { runArchive } from "../../store/run-archive.js";
import type { ResultsStore } from "../../store/results-store.js";
import { errorResponses, jsonContent, RunIdParams } from "./schemas.js";

const exportRun = createRoute({
  method: "get",
  path: "/runs/{id}/export",
  summary: "the run's results folder as a .tar.gz (symlinks left out)",
  request: { params: RunIdParams },
  responses: {
    200: { description: "the archive", content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } } },
    404: jsonContent(z.object({ error: z.string() }), "no such run, or no results folder on this host"),
    ...errorResponses,
  },
});

export function runExportRoutes(api: OpenAPIHono, store: ResultsStore): void {
  api.openapi(exportRun, async (c) => {
    const archive = await runArchive(store, c.req.valid("param").id);
    return c.body(archive.stream, 200, {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="${archive.name}.tar.gz"`,
    });
  });
}
