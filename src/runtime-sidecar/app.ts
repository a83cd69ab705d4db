/**
 * The `kitt runtime` Hono app: `/metrics` and `/health`, open to scrapers and probes (they
 * only read, and Prometheus and the kubelet carry no token), and the route groups mounted
 * under `/v1/*` (adapters, model downloads), behind the token when one is set.
 *
 *   createRuntimeApp({ metrics, health, token, routeGroups: [loraRoutes(deps), modelDownloadRoutes(deps)] })
 *
 * A route group is a Hono app whose routes carry their full paths (`POST /v1/lora/load`); it is
 * mounted at `/` after the token guard, so every `/v1/*` route it has is guarded.
 */
import type { HttpBindings } from "@hono/node-server";
import { Hono, type Env, type Schema } from "hono";
import { describeError } from "../errors.js";
import { EXPOSITION_CONTENT_TYPE, type MetricsAnswer } from "./engine-metrics-proxy.js";
import type { EngineHealth } from "./engine-health.js";
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

export function createRuntimeApp(options: RuntimeAppOptions): RuntimeApp {
  const app: RuntimeApp = new Hono();
  app.onError((error, c) => c.json({ error: describeError(error) }, 500));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.get("/metrics", async (c) => {
    const answer = await options.metrics();
    return c.body(answer.body, answer.status, { "content-type": EXPOSITION_CONTENT_TYPE });
  });
  app.get("/health", async (c) => {
    const health = await options.health();
    return health.ready ? c.json({ status: "ready" }, 200) : c.json({ status: "not ready", reason: health.reason }, 503);
  });

  if (options.token !== undefined) app.use("/v1/*", requireToken(options.token));
  for (const group of options.routeGroups ?? []) app.route("/", group);
  return app;
}
