/**
 * The dashboard's pages, each a thin view over the store, report and catalog functions the API
 * routes call. A bad or unknown run id gets a page saying so; anything else is logged as one
 * line and answered with a page that gives no details.
 */
import { Hono, type Context } from "hono";
import { describeError, isKittError } from "../../errors.js";
import { agentDetailPages } from "./agent-detail.js";
import { agentsPages } from "./agents.js";
import { comparePage } from "./compare.js";
import { dashboardPage } from "./dashboard.js";
import { devonPage } from "./devon.js";
import { jobsPages } from "./jobs.js";
import { Layout } from "./layout.js";
import { modelsPage } from "./models.js";
import { chrome, type PageEnv, type PageOptions } from "./page-env.js";
import { recommendPage } from "./recommend.js";
import { resultsPage } from "./results.js";
import { quickTestPage } from "./quick-test.js";
import { runPage } from "./run.js";
import { settingsPage } from "./settings.js";

const NOT_PAGES = /^\/(api|assets|devon-app)(\/|$)/;

export function pageRoutes(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  // The navigation's Devon tab: looked up for pages only, not for every API call.
  app.use(async (c, next) => {
    if (!NOT_PAGES.test(c.req.path)) {
      const settings = await options.settings();
      c.set("devonTab", settings.devonUrl.value !== undefined && settings.devonTab.value);
    }
    await next();
  });
  const pages = [dashboardPage, resultsPage, runPage, comparePage, recommendPage, modelsPage, quickTestPage, jobsPages, agentsPages, agentDetailPages, settingsPage, devonPage];
  for (const page of pages.map((make) => make(options))) {
    app.route("/", page);
  }
  app.onError(errorPage);
  return app;
}

function errorPage(error: Error, c: Context<PageEnv>) {
  const known = isKittError(error) && (error.code === "NOT_FOUND" || error.code === "USAGE");
  if (!known) process.stderr.write(`kitt web: ${c.req.method} ${c.req.path} failed: ${describeError(error)}\n`);
  const status = !known ? 500 : error.code === "NOT_FOUND" ? 404 : 400;
  return c.html(
    <Layout title={status === 404 ? "Not found" : "Error"} active="results" {...chrome(c)}>
      <h1>{status === 404 ? "Not found" : status === 400 ? "Bad request" : "Something went wrong"}</h1>
      <p class="alert" role="alert">
        {known ? error.message : "The server could not answer this page; its log says why."}
      </p>
    </Layout>,
    status,
  );
}
