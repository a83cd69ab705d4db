/**
 * CSRF: a browser sends its session cookie with any request to this server, whoever's page
 * made it. So a state-changing request authenticated by the cookie must come from this server's
 * own pages: its Origin (or, without one, `Sec-Fetch-Site: same-origin`) must match. A browser
 * sends `Origin: null` for a form POST under this server's `Referrer-Policy: no-referrer`, so
 * "null" counts as no Origin. Requests with a bearer token carry no ambient credential and pass, as
 * do agent routes (which never take a cookie).
 */
import type { MiddlewareHandler } from "hono";
import type { AuthVariables } from "./require-auth.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function sameOriginWrites(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function sameOriginMiddleware(c, next) {
    if (SAFE_METHODS.has(c.req.method) || c.get("authenticatedBy") === "token" || c.get("authenticatedBy") === "agent") return next();
    if (!isSameOrigin(c.req.raw)) return c.json({ error: "cross-origin request refused" }, 403);
    return next();
  };
}

/** The request's Origin is the origin it was sent to (or the browser says same-origin). */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null || origin === "null") return request.headers.get("sec-fetch-site") === "same-origin";
  return origin === new URL(request.url).origin;
}
