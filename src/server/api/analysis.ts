/** `compare`, `query` and `recommend`: the store and report functions behind `kitt compare`, `kitt results query` and `kitt recommend`. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { compareStoredRuns } from "../../report/compare-stored.js";
import { recommendStoredRuns } from "../../report/recommend-stored.js";
import { aggregateMetric, AGGREGATES, GROUP_COLUMNS } from "../../store/metric-aggregate.js";
import type { ResultsStore } from "../../store/results-store.js";
import { parseSince } from "../../store/since.js";
import { errorResponses, jsonContent, RunFilterQuery, text } from "./schemas.js";

const ComparedValueSchema = z.object({
  value: z.number(),
  delta: z.number(),
  percent: z.number().nullable(),
  flag: z.enum(["critical", "warning", "better", "same", "changed"]),
});

const compare = createRoute({
  method: "post",
  path: "/compare",
  summary: "shared metrics of two or more runs against the first, with regression flags (as kitt compare --format json)",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({ runs: z.array(z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/)).min(2).max(50).openapi({ description: "run ids or prefixes, the baseline first" }) }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(
      z.object({
        baseline: z.string(),
        runs: z.array(z.string()),
        rows: z.array(z.object({ key: z.string(), direction: z.enum(["lower", "higher"]).nullable(), baseline: z.number(), others: z.array(ComparedValueSchema) })),
      }),
      "the comparison",
    ),
    404: jsonContent(z.object({ error: z.string() }), "a run does not exist"),
    ...errorResponses,
  },
});

const query = createRoute({
  method: "get",
  path: "/query",
  summary: "one stored metric aggregated per engine, model or suite (as kitt results query)",
  request: {
    query: z.object({
      group_by: z.enum(GROUP_COLUMNS),
      metric: text(256).openapi({ description: "stored metric name, e.g. median_ttft_ms" }),
      agg: z.enum(AGGREGATES).default("mean"),
      test: text(256).optional().openapi({ description: "only this test's metric" }),
      ...RunFilterQuery,
    }),
  },
  responses: {
    200: jsonContent(z.object({ groups: z.array(z.object({ group: z.string(), value: z.number(), count: z.number() })) }), "groups, highest value first"),
    ...errorResponses,
  },
});

const positive = z.coerce.number().positive().max(Number.MAX_SAFE_INTEGER);

/** `kitt recommend`'s limits and filters, as the recommend API and the Recommend page take them. */
export const RecommendQuery = z.object({
  max_vram: positive.optional().openapi({ description: "peak GPU memory at most this (GB)" }),
  min_throughput: positive.optional().openapi({ description: "output tokens per second at least this" }),
  min_accuracy: z.coerce.number().min(0).max(1).optional().openapi({ description: "mean quality accuracy at least this (0-1)" }),
  max_latency: positive.optional().openapi({ description: "median TTFT at most this (ms)" }),
  model: RunFilterQuery.model,
  engine: RunFilterQuery.engine,
  limit: z.coerce.number().int().min(1).max(10_000).default(500).openapi({ description: "most recent completed runs considered" }),
});

export function recommendFor(store: ResultsStore, q: z.infer<typeof RecommendQuery>) {
  return recommendStoredRuns(store, {
    model: q.model,
    engine: q.engine,
    limit: q.limit,
    maxVramGb: q.max_vram,
    minThroughput: q.min_throughput,
    minAccuracy: q.min_accuracy,
    maxLatencyMs: q.max_latency,
  });
}

const recommend = createRoute({
  method: "get",
  path: "/recommend",
  summary: "stored runs within limits, with the Pareto front marked (as kitt recommend)",
  request: {
    query: RecommendQuery,
  },
  responses: {
    200: jsonContent(
      z.object({
        candidates: z.array(
          z.object({
            id: z.string(),
            model: z.string(),
            engine: z.string(),
            throughput: z.number().nullable(),
            latencyMs: z.number().nullable(),
            accuracy: z.number().nullable(),
            vramGb: z.number().nullable(),
            pareto: z.boolean(),
          }),
        ),
      }),
      "runs within the limits",
    ),
    ...errorResponses,
  },
});

export function analysisRoutes(api: OpenAPIHono, store: ResultsStore): void {
  api.openapi(compare, async (c) => c.json(await compareStoredRuns(store, c.req.valid("json").runs), 200));
  api.openapi(query, async (c) => {
    const { group_by, since, ...rest } = c.req.valid("query");
    const groups = await aggregateMetric(store, { ...rest, groupBy: group_by, since: since === undefined ? undefined : parseSince(since) });
    return c.json({ groups }, 200);
  });
  api.openapi(recommend, async (c) => {
    const candidates = await recommendFor(store, c.req.valid("query"));
    return c.json({ candidates }, 200);
  });
}
