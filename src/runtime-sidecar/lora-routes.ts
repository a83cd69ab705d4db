/**
 * The runtime's LoRA routes, a Hono sub-app to mount at `/` (documented in the runtime's
 * `/openapi.json` from the same definitions and zod schemas):
 *
 *   POST /v1/lora/load   {lora_name, artifact_url}  download into the cache, then load into the engine
 *   POST /v1/lora/unload {lora_name}
 *   GET  /v1/lora                                   {engine, adapters: [...]}
 *
 * Failures answer `{error, code}`: `code` is kitt's error code (`LORA_REFUSED`, `USAGE`…), so a
 * client can report it as kitt does, and the status says whose fault it was (4xx the request's
 * or the engine's refusal, 502 the engine or the download source, 507 the disk).
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { describeError, isKittError, type ErrorCode } from "../errors.js";
import { LoraService, type LoraServiceOptions } from "./lora/lora-service.js";
import { documentedRoute, errorAnswers, jsonAnswer, jsonBody } from "./openapi.js";

/** What the runtime passes in: the engine, where adapters are cached, the download step. */
export type LoraRoutesDeps = LoraServiceOptions;

const MAX_BODY_BYTES = 16 * 1024;

const LoadBody = z.strictObject({
  lora_name: z.string().min(1).max(128),
  artifact_url: z.string().min(1).max(4096),
});
const UnloadBody = z.strictObject({ lora_name: z.string().min(1).max(128) });

const Adapter = z.object({
  name: z.string().optional(),
  path: z.string().optional(),
  parent: z.string().optional(),
  id: z.number().optional(),
  scale: z.number().optional(),
  loaded: z.boolean(),
});
const badRequest = { 400: "the body is not JSON or not of this shape, or the name or URL is refused", 413: `the body is over ${MAX_BODY_BYTES} bytes` };

const loadRoute = createRoute({
  method: "post",
  path: "/v1/lora/load",
  summary: "download an adapter into the cache (unless there already), then load it into the engine",
  request: jsonBody(LoadBody),
  responses: {
    200: jsonAnswer(z.object({ status: z.literal("loaded"), engine: z.string(), lora_name: z.string(), path: z.string().openapi({ description: "where the engine read it from" }) }), "loaded"),
    ...errorAnswers({ ...badRequest, 409: "the engine refused the adapter", 500: "an internal error", 502: "the engine or the download source failed", 507: "no space left for the adapter" }),
  },
});

const unloadRoute = createRoute({
  method: "post",
  path: "/v1/lora/unload",
  summary: "unload an adapter from the engine",
  request: jsonBody(UnloadBody),
  responses: {
    200: jsonAnswer(z.object({ status: z.literal("unloaded"), engine: z.string(), lora_name: z.string() }), "unloaded"),
    ...errorAnswers({ ...badRequest, 404: "no such adapter", 409: "the engine refused to unload it", 500: "an internal error", 502: "the engine failed" }),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/lora",
  summary: "the adapters the engine has loaded",
  responses: {
    200: jsonAnswer(z.object({ engine: z.string(), adapters: z.array(Adapter) }), "the engine and its adapters"),
    ...errorAnswers({ 500: "an internal error", 502: "the engine failed" }),
  },
});

const STATUS_OF: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  USAGE: 400,
  UNSAFE_PATH: 400,
  NOT_FOUND: 404,
  LORA_REFUSED: 409,
  ENGINE_REQUEST_FAILED: 502,
  DOWNLOAD_FAILED: 502,
  DOWNLOAD_AUTH_FAILED: 502,
  NO_SPACE: 507,
};

export function loraRoutes(deps: LoraRoutesDeps): OpenAPIHono {
  const service = new LoraService(deps);
  const app = new OpenAPIHono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes`, code: "USAGE" }, 413) });

  documentedRoute(app, loadRoute, limit, async (c) => {
    const body = await readBody(c, LoadBody);
    const loaded = await service.load(body.lora_name, body.artifact_url);
    return c.json({ status: "loaded", engine: deps.engine, ...loaded });
  });

  documentedRoute(app, unloadRoute, limit, async (c) => {
    const { lora_name } = await readBody(c, UnloadBody);
    await service.unload(lora_name);
    return c.json({ status: "unloaded", engine: deps.engine, lora_name });
  });

  documentedRoute(app, listRoute, async (c) => c.json({ engine: deps.engine, adapters: await service.list() }));

  app.onError((error, c) => errorAnswer(error, c));
  return app;
}

class BadRequest extends Error {}

async function readBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new BadRequest("the request body is not JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadRequest(parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "));
  return parsed.data;
}

function errorAnswer(error: Error, c: Context): Response {
  if (error instanceof BadRequest) return c.json({ error: error.message, code: "USAGE" }, 400);
  if (isKittError(error)) return c.json({ error: error.message, code: error.code }, STATUS_OF[error.code] ?? 500);
  process.stderr.write(`kitt runtime: ${c.req.method} ${c.req.path} failed: ${describeError(error)}\n`);
  return c.json({ error: "internal error (see the runtime's log)", code: "INTERNAL" }, 500);
}
