/** `devon/status`: whether the Devon the settings name answers, and accepts the key. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { EffectiveSettings } from "../settings/effective-settings.js";
import { devonStatus } from "../devon/devon-status.js";
import { errorResponses, jsonContent } from "./schemas.js";

const DevonStatusSchema = z
  .object({
    configured: z.boolean(),
    url: z.string().nullable(),
    reachable: z.boolean(),
    status_code: z.number().nullable(),
    version: z.string().nullable(),
    key_set: z.boolean(),
    authorized: z.boolean().nullable(),
    error: z.string().nullable(),
  })
  .openapi("DevonStatus");

const status = createRoute({
  method: "get",
  path: "/devon/status",
  summary: "whether Devon answers at the configured URL and accepts the key (never the key itself)",
  responses: { 200: jsonContent(DevonStatusSchema, "Devon's status; an unreachable Devon is reachable: false with the reason"), ...errorResponses },
});

export function devonRoutes(api: OpenAPIHono, settings: () => Promise<EffectiveSettings>): void {
  api.openapi(status, async (c) => c.json(await devonStatus(await settings()), 200));
}
