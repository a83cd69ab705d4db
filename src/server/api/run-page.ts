/** One page of stored runs, as the `runs` API and the Results page list them: the filters of `kitt results list`, keyset paging. */
import { z } from "@hono/zod-openapi";
import type { ListedRun } from "../../store/run-queries.js";
import type { ResultsStore } from "../../store/results-store.js";
import { parseSince } from "../../store/since.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { RunFilterQuery } from "./schemas.js";

const MAX_PAGE = 500;

/** The listing's query: the filters, the page size and the cursor. */
export const RunPageQuerySchema = z.object({
  ...RunFilterQuery,
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).openapi({ description: `runs per page (at most ${MAX_PAGE})` }),
  cursor: z.string().max(256).optional().openapi({ description: "next_cursor of the previous page" }),
});

export type RunPageQuery = z.infer<typeof RunPageQuerySchema>;

export interface RunPage {
  runs: ListedRun[];
  next_cursor: string | null;
}

export async function listRunPage(store: ResultsStore, query: RunPageQuery): Promise<RunPage> {
  const { limit, cursor, since, ...filters } = query;
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  // One more than the page, to know whether another page follows.
  const runs = await store.listRunsWithGpu({ ...filters, since: since === undefined ? undefined : parseSince(since), limit: limit + 1, after });
  const page = runs.slice(0, limit);
  return { runs: page, next_cursor: runs.length > limit ? encodeCursor(page.at(-1)!) : null };
}
