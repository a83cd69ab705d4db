/**
 * `GET /login`: a form asking for a token; `POST /login`: checks it (counted like any failed
 * attempt) and sets the session cookie — `HttpOnly; SameSite=Strict`, `Secure` under TLS.
 * `POST /logout` ends the session. The page (the dashboard's, handed in) has no script of its own.
 */
import type { HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Authenticator } from "./authenticator.js";
import { clientAddress } from "./client-address.js";
import type { FailureLimiter } from "./failure-limiter.js";
import { isSameOrigin } from "./same-origin.js";
import { SESSION_COOKIE, type Sessions } from "./sessions.js";

export interface LoginOptions {
  authenticator: Authenticator;
  sessions: Sessions;
  limiter: FailureLimiter;
  secureCookies: boolean;
  /** The sign-in page, saying whether the last attempt failed. */
  page: (failed: boolean) => string | Promise<string>;
}

export function loginRoutes(options: LoginOptions): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get("/login", async (c) => c.html(await options.page(c.req.query("failed") !== undefined)));
  app.post("/login", async (c) => {
    if (!isSameOrigin(c.req.raw)) return c.json({ error: "cross-origin request refused" }, 403);
    const address = clientAddress(c);
    const retryAfter = options.limiter.retryAfterSeconds(address);
    if (retryAfter > 0) return c.json({ error: "too many failed attempts; try again later" }, 429, { "Retry-After": String(retryAfter) });
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === "string" ? form.token.trim() : "";
    if (token === "" || !(await options.authenticator.current()).accepts(token)) {
      options.limiter.recordFailure(address);
      return c.redirect("/login?failed", 303);
    }
    setCookie(c, SESSION_COOKIE, options.sessions.create(), {
      httpOnly: true,
      sameSite: "Strict",
      secure: options.secureCookies,
      path: "/",
      maxAge: options.sessions.maxAgeSeconds,
    });
    return c.redirect("/", 303);
  });
  app.post("/logout", (c) => {
    if (!isSameOrigin(c.req.raw)) return c.json({ error: "cross-origin request refused" }, 403);
    const session = getCookie(c, SESSION_COOKIE);
    if (session !== undefined) options.sessions.end(session);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: options.secureCookies });
    return c.redirect("/login", 303);
  });
  return app;
}
