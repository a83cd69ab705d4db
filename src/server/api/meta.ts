/** `health` and `version`: the two routes anyone may call. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { kittVersion } from "../../package-root.js";
import { latestSchemaVersion } from "../../store/migrations.js";
import { jsonContent } from "./schemas.js";

export const PUBLIC_API_PATHS = ["/api/v1/health", "/api/v1/version"] as const;

const health = createRoute({
  method: "get",
  path: "/health",
  summary: "whether the server answers (no token needed)",
  security: [],
  responses: { 200: jsonContent(z.object({ status: z.literal("ok") }), "the server answers") },
});

const version = createRoute({
  method: "get",
  path: "/version",
  summary: "kitt's version and the database schema it writes (no token needed)",
  security: [],
  responses: { 200: jsonContent(z.object({ kitt: z.string(), schema: z.number() }), "versions") },
});

export function metaRoutes(api: OpenAPIHono): void {
  api.openapi(health, (c) => c.json({ status: "ok" as const }, 200));
  api.openapi(version, (c) => c.json({ kitt: kittVersion(), schema: latestSchemaVersion }, 200));
}
