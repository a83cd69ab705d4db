/**
 * The `kitt web` application: security headers on every response, the auth gates (people's, and
 * agents' on `/api/v1/agent/*`), the CSRF check, the login page and the REST API under `/api/v1`
 * with its OpenAPI 3.1 document. Every route is a thin call into the store and report code the
 * CLI uses.
 */
import { join } from "node:path";
import type { HttpBindings } from "@hono/node-server";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { kittHome } from "../config/paths.js";
import { describeError, isKittError } from "../errors.js";
import { kittVersion } from "../package-root.js";
import type { ResultsStore } from "../store/results-store.js";
import { agentAuth, isAgentPath } from "./agents/agent-auth.js";
import { AgentJobs } from "./agents/agent-jobs.js";
import { AgentPackage } from "./agents/agent-package.js";
import { AgentTokens } from "./agents/agent-tokens.js";
import { agentRoutes } from "./api/agent.js";
import { agentResultsRoutes } from "./api/agent-results.js";
import { agentsRoutes } from "./api/agents.js";
import { analysisRoutes } from "./api/analysis.js";
import { devonRoutes } from "./api/devon.js";
import { jobRoutes } from "./api/jobs.js";
import { metaRoutes, PUBLIC_API_PATHS } from "./api/meta.js";
import { modelRoutes } from "./api/models.js";
import { runExportRoutes } from "./api/run-export.js";
import { runItemRoutes } from "./api/run-items.js";
import { runReportRoutes } from "./api/run-report.js";
import { runRoutes } from "./api/runs.js";
import { settingsRoutes } from "./api/settings.js";
import { Authenticator } from "./auth/authenticator.js";
import { FailureLimiter } from "./auth/failure-limiter.js";
import { loginRoutes } from "./auth/login.js";
import { requireAuth, type AuthVariables } from "./auth/require-auth.js";
import { sameOriginWrites } from "./auth/same-origin.js";
import { Sessions } from "./auth/sessions.js";
import { requestBodyLimit } from "./body-limit.js";
import { DEFAULT_DEVON_TIMEOUTS, DEVON_PROXY_PREFIX, proxyToDevon, type DevonTimeouts } from "./devon/devon-proxy.js";
import { effectiveSettings } from "./settings/effective-settings.js";
import { JobEventHub } from "./jobs/job-event-hub.js";
import type { JobRunner } from "./jobs/job-runner.js";
import { ASSET_PATHS, assetRoutes } from "./pages/assets.js";
import { loginPage } from "./pages/login.js";
import { pageRoutes } from "./pages/routes.js";

export const API_BASE = "/api/v1";
export const OPENAPI_PATH = `${API_BASE}/openapi.json`;
/** Paths that answer without a token: health, version, signing in and out, and the pages' static assets. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([...PUBLIC_API_PATHS, "/login", "/logout", ...ASSET_PATHS]);
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_RESULTS_UPLOAD_BYTES = 512 * 1024 * 1024;
/** `agentPaths.jobResults`: streamed to disk under its own limit. */
const RESULTS_UPLOAD_PATH = /^\/api\/v1\/agent\/jobs\/[^/]+\/results$/;

export interface AppOptions {
  store: ResultsStore;
  /** `KITT_AUTH_TOKEN` or `--auth-token`; tokens stored with `kitt web token create` count too. */
  authToken?: string;
  /** Every request but the public ones needs a token even when none exists (a server beyond loopback). */
  alwaysRequireToken?: boolean;
  /** Under TLS: the session cookie is `Secure`. */
  secureCookies: boolean;
  /** Failed attempts per address before 429 (default 10 a minute). */
  limiter?: FailureLimiter;
  /** Where settings not saved in the database come from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** How long the Devon proxy waits for Devon. */
  devonTimeouts?: DevonTimeouts;
  /** Runs the jobs `POST /api/v1/jobs` queues; without one, jobs can be listed but not run (503). */
  jobs?: JobRunner;
  /** Every job's live events; the runner's, else a new hub. */
  events?: JobEventHub;
  /** `sha256//…` of the self-signed certificate the server uses: install lines and scripts pin it. */
  publicKeyPin?: string;
  /** The kitt package agents install (`$KITT_HOME/web/` of `env` by default). */
  agentPackage?: AgentPackage;
  /** The largest results upload an agent may send (default 512 MiB). */
  maxResultsUploadBytes?: number;
}

// HEAD is answered by the GET route (Hono drops the body).
const PROXIED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export type WebApp = Hono<{ Bindings: HttpBindings; Variables: AuthVariables }>;

/** What the agent routes share with the rest of the app. */
interface AgentParts {
  tokens: AgentTokens;
  events: JobEventHub;
  jobs: AgentJobs;
  pack: AgentPackage;
}

export function createApp(options: AppOptions): WebApp {
  const authenticator = new Authenticator(options.store, options.authToken, options.alwaysRequireToken);
  const sessions = new Sessions();
  const limiter = options.limiter ?? new FailureLimiter();
  const app: WebApp = new Hono();
  const home = kittHome(options.env ?? process.env);
  const events = options.events ?? options.jobs?.events ?? new JobEventHub();
  const agents: AgentParts = {
    tokens: new AgentTokens(join(home, "web", "agent-token.key")),
    events,
    jobs: new AgentJobs(options.store, events, join(home, "jobs")),
    pack: options.agentPackage ?? new AgentPackage(join(home, "web")),
  };

  // Only the Devon tab's proxy may be framed, and only by kitt's own pages.
  const strictHeaders = securityHeaders("'none'", options.secureCookies);
  const devonHeaders = securityHeaders("'self'", options.secureCookies);
  app.use((c, next) => (isDevonProxyPath(c.req.path) ? devonHeaders : strictHeaders)(c, next));
  const humanGate = requireAuth({ authenticator, sessions, limiter, publicPaths: PUBLIC_PATHS });
  const agentGate = agentAuth({ store: options.store, tokens: agents.tokens, limiter });
  const limitBody = requestBodyLimit(MAX_BODY_BYTES, (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413));
  // GET and HEAD carry no body; asking one for it would make the Node adapter build a full Request.
  // A results upload is streamed to disk under its own limit.
  const limited = (c: Context): boolean => c.req.method !== "GET" && c.req.method !== "HEAD" && !RESULTS_UPLOAD_PATH.test(c.req.path);
  app.use(async (c, next) => {
    if (!isAgentPath(c.req.path)) return humanGate(c, next);
    if (!limited(c)) return agentGate(c, next);
    // Limited before the gate: register reads its body there to find the code.
    return limitBody(c, async () => {
      const refused = await agentGate(c, next);
      if (refused instanceof Response) c.res = refused;
    });
  });
  app.use(sameOriginWrites());
  app.use((c, next) => (isAgentPath(c.req.path) || !limited(c) ? next() : limitBody(c, next)));

  const settings = () => effectiveSettings(options.store, options.env);
  app.route("/", loginRoutes({ authenticator, sessions, limiter, secureCookies: options.secureCookies, page: loginPage }));
  app.route("/", assetRoutes());
  app.route("/", pageRoutes({ store: options.store, settings, env: options.env ?? process.env, jobs: options.jobs, agentJobs: agents.jobs, agentTokens: agents.tokens, publicKeyPin: options.publicKeyPin }));
  app.route(API_BASE, apiRoutes(options, agents));
  const devonTimeouts = options.devonTimeouts ?? DEFAULT_DEVON_TIMEOUTS;
  app.on(PROXIED_METHODS, [DEVON_PROXY_PREFIX, `${DEVON_PROXY_PREFIX}/*`], async (c) => proxyToDevon(c, await settings(), devonTimeouts));

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError(errorResponse);
  return app;
}

function securityHeaders(frameAncestors: "'none'" | "'self'", overTls: boolean) {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: [frameAncestors],
    },
    referrerPolicy: "no-referrer",
    // Only meaningful, and only sent, over TLS.
    strictTransportSecurity: overTls,
  });
}

function isDevonProxyPath(path: string): boolean {
  return path === DEVON_PROXY_PREFIX || path.startsWith(`${DEVON_PROXY_PREFIX}/`);
}

function apiRoutes(options: AppOptions, agents: AgentParts): OpenAPIHono {
  const { store, env, jobs } = options;
  const settings = () => effectiveSettings(store, env);
  const api = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return c.json({ error: result.error.issues.map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`).join("; ") }, 400);
    },
  });
  metaRoutes(api);
  runRoutes(api, store);
  runItemRoutes(api, store);
  runReportRoutes(api, store);
  analysisRoutes(api, store);
  runExportRoutes(api, store);
  settingsRoutes(api, store, env ?? process.env);
  modelRoutes(api, settings);
  devonRoutes(api, settings);
  jobRoutes(api, { store, runner: jobs, events: agents.events, agents: agents.jobs });
  agentsRoutes(api, { store, tokens: agents.tokens, jobs: agents.jobs, publicKeyPin: options.publicKeyPin });
  agentRoutes(api, { store, tokens: agents.tokens, jobs: agents.jobs, events: agents.events, pack: agents.pack, publicKeyPin: options.publicKeyPin });
  agentResultsRoutes(api, { store, jobs: agents.jobs, maxBytes: options.maxResultsUploadBytes ?? MAX_RESULTS_UPLOAD_BYTES });
  api.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "kitt web API", version: kittVersion() }, security: [{ bearer: [] }] });
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  return api;
}

/** Bad requests and unknown runs are the client's; anything else is logged as one line and answered 500 without details. */
function errorResponse(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return c.json({ error: error.message || "bad request" }, error.status);
  if (isKittError(error) && (error.code === "NOT_FOUND" || error.code === "MODEL_NOT_FOUND")) return c.json({ error: error.message }, 404);
  if (isKittError(error) && error.code === "USAGE") return c.json({ error: error.message }, 400);
  process.stderr.write(`kitt web: ${c.req.method} ${c.req.path} failed: ${describeError(error)}\n`);
  return c.json({ error: "internal error" }, 500);
}
