/** `runs/{id}/items`: per-item quality outputs of a stored run, as `kitt results items --json`. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { storedReportDocuments } from "../../report/formats/report-documents.js";
import { runItems } from "../../results/run-items.js";
import type { ResultsStore } from "../../store/results-store.js";
import { errorResponses, jsonContent, QueryFlag, RunIdParams, text } from "./schemas.js";

const RunItemSchema = z
  .object({
    test: z.string(),
    run: z.number(),
    key: z.string(),
    subject: z.string().optional(),
    scores: z.record(z.string(), z.number()),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("RunItem");

const items = createRoute({
  method: "get",
  path: "/runs/{id}/items",
  summary: "per-item outputs of a run's quality tests: each document's scores and the engine's answer",
  request: {
    params: RunIdParams,
    query: z.object({
      test: text(256).optional().openapi({ description: "only this test" }),
      run: z.coerce.number().int().min(1).max(1_000_000).optional().openapi({ description: "only this run of the test" }),
      wrong: QueryFlag.optional().openapi({ description: "only items that scored 0 on every metric" }),
      limit: z.coerce.number().int().min(1).max(1_000_000).optional().openapi({ description: "at most this many" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ items: z.array(RunItemSchema), total: z.number() }), "the items"),
    404: jsonContent(z.object({ error: z.string() }), "no such run, or no items"),
    ...errorResponses,
  },
});

export function runItemRoutes(api: OpenAPIHono, store: ResultsStore): void {
  api.openapi(items, async (c) => {
    const { limit, ...filter } = c.req.valid("query");
    const docs = await storedReportDocuments(store, c.req.valid("param").id);
    const all = runItems(docs.files, docs.label, filter);
    return c.json({ items: all.slice(0, limit ?? all.length), total: all.length }, 200);
  });
}
