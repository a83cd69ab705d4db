/** What every page handler gets: the app's bindings and who signed in, and the store and settings the pages read. */
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { ResultsStore } from "../../store/results-store.js";
import type { AuthVariables } from "../auth/require-auth.js";

export type PageEnv = { Bindings: HttpBindings; Variables: AuthVariables };
export type PageContext = Context<PageEnv>;

export interface PageOptions {
  store: ResultsStore;
  /** The model directory the Models page lists; undefined: `KITT_MODEL_DIR`, then `$KITT_HOME/models` (as `kitt models list`). */
  modelDir: () => Promise<string | undefined>;
}

/** Signed in through the login page (a bearer token or an open server has nothing to sign out of). */
export function signedIn(c: PageContext): boolean {
  return c.get("authenticatedBy") === "cookie";
}
