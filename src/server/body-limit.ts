/**
 * hono's body limit, without asking a request that states its length for its body: on Node,
 * `c.req.raw.body` makes the adapter build a full web `Request`, which costs more than a small
 * JSON route's own work (an agent's heartbeat). Node's parser never delivers more than the
 * stated Content-Length, so the header decides, as hono's own check does once it has the body;
 * a request without it (chunked) is counted as it streams, by hono's middleware.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

export function requestBodyLimit(maxSize: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError });
  return async function requestBodyLimitMiddleware(c, next) {
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined) return streamed(c, next);
    return Number.parseInt(length, 10) > maxSize ? onError(c) : next();
  };
}
