/**
 * The `kitt runtime` Hono app: `/metrics` and `/health`, open to scrapers and probes (they
 * only read, and Prometheus and the kubelet carry no token), the OpenAPI 3.1 document of all
 * its routes at `/openapi.json` (open too), and the route groups mounted
 * under `/v1/*` (adapters, model downloads), behind the token when one is set.
 *
 *   createRuntimeApp({ metrics, health, token, routeGroups: [loraRoutes(deps), modelDownloadRoutes(deps)] })
 *
 * A route group is a Hono app whose routes carry their full paths (`POST /v1/lora/load`); it is
 * mounted at `/` after the token guard, so every `/v1/*` route it has is guarded. A group that
 * is an `OpenAPIHono` (the runtime's own are) brings its routes into the OpenAPI document at
 * `/openapi.json`.
 */
import type { HttpBindings } from "@hono/node-server";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env, Hono, Schema } from "hono";
import { describeError } from "../errors.js";
import { kittVersion } from "../package-root.js";
import { EXPOSITION_CONTENT_TYPE, type MetricsAnswer } from "./engine-metrics-proxy.js";
import type { EngineHealth } from "./engine-health.js";
import { documentedRoute, jsonAnswer, serveOpenApiDocument } from "./openapi.js";
import { requireToken } from "./token-guard.js";

/** Any Hono app; its routes keep their full paths. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a group may declare its own Env and schema
export type RouteGroup = Hono<any, Schema, string>;

export interface RuntimeAppOptions {
  metrics: () => Promise<MetricsAnswer>;
  health: () => Promise<EngineHealth>;
  /** Guards `/v1/*` when set. */
  token?: string;
  routeGroups?: readonly RouteGroup[];
}

export type RuntimeApp = Hono<{ Bindings: HttpBindings } & Env>;

const exposition = (description: string) => ({ content: { [EXPOSITION_CONTENT_TYPE]: { schema: z.string() } }, description });

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "the engine's Prometheus exposition, byte for byte, with kitt's standardized series and the runtime's own (no token needed)",
  security: [],
  responses: {
    200: exposition("the engine's series, then the standardized and the runtime's own"),
    503: exposition("the engine could not be scraped: a comment with the reason, then only the runtime's own series (kitt_runtime_engine_up 0)"),
  },
});

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "whether the engine is ready by its own readiness rule, probed afresh (no token needed)",
  security: [],
  responses: {
    200: jsonAnswer(z.object({ status: z.literal("ready") }), "the engine is ready"),
    503: jsonAnswer(z.object({ status: z.literal("not ready"), reason: z.string() }), "the engine is not ready, and why"),
  },
});

export function createRuntimeApp(options: RuntimeAppOptions): RuntimeApp {
  const app = new OpenAPIHono<{ Bindings: HttpBindings } & Env>();
  app.onError((error, c) => c.json({ error: describeError(error) }, 500));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  documentedRoute(app, metricsRoute, async (c) => {
    const answer = await options.metrics();
    return c.body(answer.body, answer.status, { "content-type": EXPOSITION_CONTENT_TYPE });
  });
  documentedRoute(app, healthRoute, async (c) => {
    const health = await options.health();
    return health.ready ? c.json({ status: "ready" }, 200) : c.json({ status: "not ready", reason: health.reason }, 503);
  });
  // Open like /metrics and /health: the document describes the routes and holds no secret.
  serveOpenApiDocument(app, { title: "kitt runtime", version: kittVersion() }, options.token !== undefined);

  if (options.token !== undefined) app.use("/v1/*", requireToken(options.token));
  for (const group of options.routeGroups ?? []) app.route("/", group);
  return app;
}
