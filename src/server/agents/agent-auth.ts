/**
 * The gate in front of `/api/v1/agent/*`. Agents never use the human gate and humans never
 * pass this one: a session cookie or a human token is refused (403), an agent token is checked
 * against its MAC (issued by this server), then against the agent's row — no row is 404
 * `unknown_agent` (the database was reset: register again with the token), a revoked or
 * replaced token is 401. The three enrolment routes (install script, package, register) let
 * a request through to check its code itself; a token given to them is checked here first.
 */
import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { agentCredential } from "../../store/agents.js";
import type { ResultsStore } from "../../store/results-store.js";
import { clientAddress } from "../auth/client-address.js";
import type { FailureLimiter } from "../auth/failure-limiter.js";
import type { AuthVariables } from "../auth/require-auth.js";
import { SESSION_COOKIE } from "../auth/sessions.js";
import { AGENT_API, agentPaths, UNKNOWN_AGENT } from "./agent-protocol.js";
import { looksLikeAgentToken, sameHash, type AgentTokens, type VerifiedToken } from "./agent-tokens.js";

declare module "hono" {
  interface ContextVariableMap {
    /** On agent routes: the agent's verified token; `known` false when its agent has no row (register only). */
    agentToken: VerifiedToken & { known: boolean };
  }
}

/** Routes that take an enrolment code instead of (or besides) a token. */
const CODE_PATHS: ReadonlySet<string> = new Set([agentPaths.installScript, agentPaths.package, agentPaths.register]);

export function isAgentPath(path: string): boolean {
  return path === AGENT_API || path.startsWith(`${AGENT_API}/`);
}

export interface AgentGate {
  store: ResultsStore;
  tokens: AgentTokens;
  limiter: FailureLimiter;
}

type GateContext = Context<{ Bindings: HttpBindings; Variables: AuthVariables }>;

export function agentAuth(gate: AgentGate): MiddlewareHandler<{ Bindings: HttpBindings; Variables: AuthVariables }> {
  return async function agentAuthMiddleware(c, next) {
    c.set("authenticatedBy", "agent");
    const address = clientAddress(c);
    const retryAfter = gate.limiter.retryAfterSeconds(address);
    if (retryAfter > 0) return c.json({ error: "too many failed attempts; try again later" }, 429, { "Retry-After": String(retryAfter) });

    const header = c.req.header("authorization");
    const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer !== undefined && !looksLikeAgentToken(bearer)) return forbidden(c);
    if (bearer === undefined) {
      if (header !== undefined) return unauthorized(c, "Authorization: Bearer TOKEN, with the agent's token");
      if (CODE_PATHS.has(c.req.path)) return c.req.path === agentPaths.register ? requireCodeInBody(c, next) : next();
      if (getCookie(c, SESSION_COOKIE) !== undefined) return forbidden(c);
      return unauthorized(c, "this needs the agent's token: Authorization: Bearer TOKEN");
    }

    const token = await gate.tokens.verify(bearer);
    if (token === undefined) {
      gate.limiter.recordFailure(address);
      return unauthorized(c, "the agent token is not valid");
    }
    const credential = await agentCredential(gate.store, token.id);
    if (!credential) {
      // Registering again with the token is how an agent recovers from a database reset.
      if (c.req.path === agentPaths.register) {
        c.set("agentToken", { ...token, known: false });
        return next();
      }
      return c.json({ error: UNKNOWN_AGENT }, 404);
    }
    if (credential.revoked || !sameHash(token.hash, credential.token_hash)) {
      gate.limiter.recordFailure(address);
      return unauthorized(c, "this agent's token was revoked or replaced; enrol the agent again");
    }
    c.set("agentToken", { ...token, known: true });
    return next();
  };
}

/** Register without a token must carry a code in its body; anything else is unauthenticated. */
async function requireCodeInBody(c: GateContext, next: () => Promise<void>): Promise<Response | void> {
  const body: unknown = await c.req.json().catch(() => undefined);
  const code = body !== null && typeof body === "object" ? (body as { code?: unknown }).code : undefined;
  if (typeof code !== "string") return unauthorized(c, "register with an enrolment code or the agent's token");
  return next();
}

function forbidden(c: GateContext): Response {
  return c.json({ error: "agent routes take only an agent's token or an enrolment code" }, 403);
}

function unauthorized(c: GateContext, message: string): Response {
  return c.json({ error: message }, 401, { "WWW-Authenticate": 'Bearer realm="kitt-agent"' });
}
