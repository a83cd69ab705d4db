/**
 * `runs`: the stored runs, through the same store query as `kitt results list` (so the same
 * filters and order), paged by the position of each page's last run; one run as `kitt storage show --json`; delete.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { KittError } from "../../errors.js";
import type { ResultsStore } from "../../store/results-store.js";
import { parseSince } from "../../store/since.js";
import { errorResponses, jsonContent, RunFilterQuery, RunIdParams, RunSummarySchema, StoredRunSchema } from "./schemas.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

const MAX_PAGE = 500;

const listRuns = createRoute({
  method: "get",
  path: "/runs",
  summary: "stored runs, newest first, with their GPU (as kitt results list)",
  request: {
    query: z.object({
      ...RunFilterQuery,
      limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).openapi({ description: `runs per page (at most ${MAX_PAGE})` }),
      cursor: z.string().max(256).optional().openapi({ description: "next_cursor of the previous page" }),
    }),
  },
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
    const { limit, cursor, since, ...filters } = c.req.valid("query");
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    // One more than the page, to know whether another page follows.
    const runs = await store.listRunsWithGpu({ ...filters, since: since === undefined ? undefined : parseSince(since), limit: limit + 1, after });
    const page = runs.slice(0, limit);
    return c.json({ runs: page, next_cursor: runs.length > limit ? encodeCursor(page.at(-1)!) : null }, 200);
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
