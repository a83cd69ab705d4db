/** What every page handler gets: the app's bindings and who signed in, and the store, settings and job runner the pages use. */
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { ResultsStore } from "../../store/results-store.js";
import type { AuthVariables } from "../auth/require-auth.js";
import type { AgentJobs } from "../agents/agent-jobs.js";
import type { AgentTokens } from "../agents/agent-tokens.js";
import type { JobRunner } from "../jobs/job-runner.js";
import type { EffectiveSettings } from "../settings/effective-settings.js";

export type PageEnv = { Bindings: HttpBindings; Variables: AuthVariables & { devonTab?: boolean } };
export type PageContext = Context<PageEnv>;

export interface PageOptions {
  store: ResultsStore;
  /** The settings in use (saved, then environment, then default), read on each request. */
  settings: () => Promise<EffectiveSettings>;
  /** The environment custom tests are found in (`$KITT_HOME/tests`). */
  env: NodeJS.ProcessEnv;
  /** Runs quick tests on this server; without one the Quick Test page sends them to online agents only. */
  jobs?: JobRunner;
  /** Jobs dispatched to agents (cancelling one sends the agent a stop). */
  agentJobs: AgentJobs;
  /** Issues agents' tokens (rotating one). */
  agentTokens: AgentTokens;
  /** `sha256//…` of the self-signed certificate in use: install lines pin it. */
  publicKeyPin?: string;
}

/** Signed in through the login page (a bearer token or an open server has nothing to sign out of). */
export function signedIn(c: PageContext): boolean {
  return c.get("authenticatedBy") === "cookie";
}

/** The layout's per-request parts: sign-out, and the Devon tab when a Devon URL is set and the tab is on. */
export function chrome(c: PageContext): { signedIn: boolean; devonTab: boolean } {
  return { signedIn: signedIn(c), devonTab: c.get("devonTab") === true };
}
