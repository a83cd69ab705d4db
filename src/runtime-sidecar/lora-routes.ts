/**
 * The runtime's LoRA routes, a Hono sub-app to mount at `/`:
 *
 *   POST /v1/lora/load   {lora_name, artifact_url}  download into the cache, then load into the engine
 *   POST /v1/lora/unload {lora_name}
 *   GET  /v1/lora                                   {engine, adapters: [...]}
 *
 * Failures answer `{error, code}`: `code` is kitt's error code (`LORA_REFUSED`, `USAGE`…), so a
 * client can report it as kitt does, and the status says whose fault it was (4xx the request's
 * or the engine's refusal, 502 the engine or the download source, 507 the disk).
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { describeError, isKittError, type ErrorCode } from "../errors.js";
import { LoraService, type LoraServiceOptions } from "./lora/lora-service.js";

/** What the runtime passes in: the engine, where adapters are cached, the download step. */
export type LoraRoutesDeps = LoraServiceOptions;

const MAX_BODY_BYTES = 16 * 1024;

const LoadBody = z.strictObject({
  lora_name: z.string().min(1).max(128),
  artifact_url: z.string().min(1).max(4096),
});
const UnloadBody = z.strictObject({ lora_name: z.string().min(1).max(128) });

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

export function loraRoutes(deps: LoraRoutesDeps): Hono {
  const service = new LoraService(deps);
  const app = new Hono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes`, code: "USAGE" }, 413) });

  app.post("/v1/lora/load", limit, async (c) => {
    const body = await readBody(c, LoadBody);
    const loaded = await service.load(body.lora_name, body.artifact_url);
    return c.json({ status: "loaded", engine: deps.engine, ...loaded });
  });

  app.post("/v1/lora/unload", limit, async (c) => {
    const { lora_name } = await readBody(c, UnloadBody);
    await service.unload(lora_name);
    return c.json({ status: "unloaded", engine: deps.engine, lora_name });
  });

  app.get("/v1/lora", async (c) => c.json({ engine: deps.engine, adapters: await service.list() }));

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
