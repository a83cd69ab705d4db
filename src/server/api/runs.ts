/**
 * `runs`: the stored runs, through the same store query as `kitt results list` (so the same
 * filters and order), paged by the position of each page's last run; one run as `kitt storage show --json`; delete.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { KittError } from "../../errors.js";
import type { ResultsStore } from "../../store/results-store.js";
import { errorResponses, jsonContent, RunIdParams, RunSummarySchema, StoredRunSchema } from "./schemas.js";
import { listRunPage, RunPageQuerySchema } from "./run-page.js";

const listRuns = createRoute({
  method: "get",
  path: "/runs",
  summary: "stored runs, newest first, with their GPU (as kitt results list)",
  request: { query: RunPageQuerySchema },
  responses: {
    200: jsonContent(z.object({ runs: z.array(RunSummarySchema), next_cursor: z.string().nullable() }), "one page of runs"),
    ...errorResponses,
  },
});

const getRun = createRoute({
  method: "get",
  path: "/runs/{id}",
  summary: "one run with its tests and metrics (as kitt storage show --json)",
  request: { params: RunIdParams },
  responses: { 200: jsonContent(StoredRunSchema, "the run"), 404: jsonContent(z.object({ error: z.string() }), "no such run"), ...errorResponses },
});

const deleteRun = createRoute({
  method: "delete",
  path: "/runs/{id}",
  summary: "delete a run and everything stored with it (the full id, not a prefix)",
  request: { params: RunIdParams },
  responses: { 200: jsonContent(z.object({ deleted: z.string() }), "deleted"), 404: jsonContent(z.object({ error: z.string() }), "no such run"), ...errorResponses },
});

export function runRoutes(api: OpenAPIHono, store: ResultsStore): void {
  api.openapi(listRuns, async (c) => {
    return c.json(await listRunPage(store, c.req.valid("query")), 200);
  });
  api.openapi(getRun, async (c) => {
    const id = await store.resolveId(c.req.valid("param").id);
    const run = await store.getRun(id);
    if (!run) throw new KittError("NOT_FOUND", `no run ${id} in ${store.description}`);
    return c.json(run, 200);
  });
  api.openapi(deleteRun, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await store.deleteRun(id))) throw new KittError("NOT_FOUND", `no run ${id} in ${store.description}`);
    return c.json({ deleted: id }, 200);
  });
}
