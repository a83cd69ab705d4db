/**
 * The gate in front of every route but the public ones. With no token configured (a loopback
 * server without tokens) everything is open. Otherwise a request needs `Authorization: Bearer
 * TOKEN` or a valid session cookie; a wrong token counts as a failed attempt for its address,
 * and an address with too many is answered 429 before anything is checked. An agent's token is
 * refused here whatever else holds: it is good for the agent routes only.
 */
import type { HttpBindings } from "@hono/node-server";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import type { Authenticator } from "./authenticator.js";
import { clientAddress } from "./client-address.js";
import type { FailureLimiter } from "./failure-limiter.js";
import { SESSION_COOKIE, type Sessions } from "./sessions.js";

export type AuthVariables = {
  /** `agent`: an agent route, which takes no cookie (the agent gate checked it). */
  authenticatedBy: "token" | "cookie" | "open" | "agent";
};

export interface AuthGate {
  authenticator: Authenticator;
  sessions: Sessions;
  limiter: FailureLimiter;
  /** Paths anyone may request. */
  publicPaths: ReadonlySet<string>;
}

export function requireAuth(gate: AuthGate): MiddlewareHandler<{ Bindings: HttpBindings; Variables: AuthVariables }> {
  return async function requireAuthMiddleware(c, next) {
    if (gate.publicPaths.has(c.req.path)) return next();
    if (/^Bearer\s+kitt_agent_/i.test(c.req.header("authorization") ?? "")) return c.json({ error: "agent tokens are accepted only on /api/v1/agent/ routes" }, 403);
    const tokens = await gate.authenticator.current();
    if (!tokens.required) {
      c.set("authenticatedBy", "open");
      return next();
    }
    const address = clientAddress(c);
    const retryAfter = gate.limiter.retryAfterSeconds(address);
    if (retryAfter > 0) return c.json({ error: "too many failed attempts; try again later" }, 429, { "Retry-After": String(retryAfter) });

    const header = c.req.header("authorization");
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match && tokens.accepts(match[1]!)) {
        c.set("authenticatedBy", "token");
        return next();
      }
      gate.limiter.recordFailure(address);
      return unauthorized(c, "the token is not valid");
    }
    const session = getCookie(c, SESSION_COOKIE);
    if (session !== undefined && gate.sessions.valid(session)) {
      c.set("authenticatedBy", "cookie");
      return next();
    }
    return unauthorized(c, "this needs a token: Authorization: Bearer TOKEN");
  };
}

/** 401 for every client; a browser asking for a page is sent on to the login page (no script needed). */
function unauthorized(c: Parameters<MiddlewareHandler>[0], message: string): Response | Promise<Response> {
  const headers = { "WWW-Authenticate": 'Bearer realm="kitt"' };
  if (!c.req.path.startsWith("/api/") && (c.req.header("accept") ?? "").includes("text/html")) {
    return c.html(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/login"><title>kitt — sign in</title></head><body><p><a href="/login">Sign in</a></p></body></html>`, 401, headers);
  }
  return c.json({ error: message }, 401, headers);
}
