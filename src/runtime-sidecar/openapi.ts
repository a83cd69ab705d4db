/**
 * The runtime's OpenAPI 3.1 document (`GET /openapi.json`) and the one way its routes are
 * added: `documentedRoute` registers a `createRoute` definition in the app's document and serves
 * the same method and path with the given handlers, so a route cannot be served undocumented
 * nor documented unserved. The handlers read and check their bodies themselves (with the zod
 * schemas the definitions carry), as they always have: the routes' answers to bad requests
 * (statuses, `{error, code}` bodies, body limits) stay theirs, not `@hono/zod-openapi`'s.
 */
import { z, type OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Env, Handler, MiddlewareHandler } from "hono";

export const OPENAPI_PATH = "/openapi.json";

/** How the `/v1/*` routes fail: `code` is kitt's error code (`USAGE`, `NOT_FOUND`, `LORA_REFUSED`…). */
export const RuntimeErrorSchema = z
  .object({ error: z.string().openapi({ description: "what went wrong, one line" }), code: z.string().openapi({ description: "kitt's error code, e.g. USAGE, NOT_FOUND" }) })
  .openapi("RuntimeError");

/** A JSON answer of `schema`. */
export function jsonAnswer(schema: z.ZodType, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** A JSON request body of `schema`. */
export function jsonBody(schema: z.ZodType) {
  return { body: { content: { "application/json": { schema } }, required: true } };
}

/** `{error, code}` answers, by status. */
export function errorAnswers(descriptions: Record<number, string>) {
  return Object.fromEntries(Object.entries(descriptions).map(([status, description]) => [status, jsonAnswer(RuntimeErrorSchema, description)]));
}

type Handlers<E extends Env> = [...MiddlewareHandler<E>[], Handler<E>];

/** Documents `route` in `app`'s document and serves it with `handlers` (middleware first). */
export function documentedRoute<E extends Env>(app: OpenAPIHono<E>, route: RouteConfig, ...handlers: Handlers<E>): void {
  app.openAPIRegistry.registerPath(route);
  app.on([route.method.toUpperCase()], [route.path.replaceAll(/\{([^}]+)\}/g, ":$1")], ...(handlers as Handler<E>[]));
}

const TOKEN_REFUSED = {
  description: "no valid bearer token (the runtime has one)",
  content: { "application/json": { schema: { type: "object", properties: { error: { type: "string" } }, required: ["error"] } } },
};

/**
 * Serves the document of `app`'s routes, including the route groups mounted before the first
 * request. With a token, every `/v1/*` operation carries the bearer security and its 401, as
 * the token guard applies to `/v1/*` only.
 */
export function serveOpenApiDocument<E extends Env>(app: OpenAPIHono<E>, info: { title: string; version: string }, token: boolean): void {
  let document: Record<string, unknown> | undefined;
  app.get(OPENAPI_PATH, (c) => {
    document ??= openApiDocument(app, info, token);
    return c.json(document);
  });
}

function openApiDocument<E extends Env>(app: OpenAPIHono<E>, info: { title: string; version: string }, token: boolean): Record<string, unknown> {
  if (token) app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  const document = app.getOpenAPI31Document({ openapi: "3.1.0", info });
  if (token) {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      if (!path.startsWith("/v1/")) continue;
      for (const operation of Object.values(item as Record<string, { security?: unknown; responses?: Record<string, unknown> }>)) {
        if (typeof operation !== "object" || operation.responses === undefined) continue;
        operation.security = [{ bearer: [] }];
        operation.responses["401"] = TOKEN_REFUSED;
      }
    }
  }
  return document as unknown as Record<string, unknown>;
}
