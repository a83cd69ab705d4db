/**
 * The bearer token that guards the runtime's `/v1/*` routes (loading adapters, downloading
 * models: they change what the pod serves and write to its disk). Compared in constant time
 * through its SHA-256 hash, as `kitt web` compares its tokens.
 */
import type { MiddlewareHandler } from "hono";
import { hashToken, matchesAnyHash } from "../server/auth/token-hash.js";

export function requireToken(token: string): MiddlewareHandler {
  const hashes = [hashToken(token)];
  return async function requireTokenMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (presented === undefined || !matchesAnyHash(presented, hashes)) {
      c.header("WWW-Authenticate", 'Bearer realm="kitt runtime"');
      return c.json({ error: "a valid token is required: Authorization: Bearer <KITT_RUNTIME_TOKEN>" }, 401);
    }
    await next();
  };
}
