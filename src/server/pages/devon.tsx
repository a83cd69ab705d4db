/** `/devon`: Devon's own UI in a frame, through kitt's proxy at `/devon-app/` (which adds the key server-side). */
import { Hono } from "hono";
import { DEVON_PROXY_PREFIX } from "../devon/devon-proxy.js";
import { Layout } from "./layout.js";
import { chrome, type PageEnv, type PageOptions } from "./page-env.js";

export function devonPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/devon", async (c) => {
    const url = (await options.settings()).devonUrl.value;
    return c.html(
      <Layout title="Devon" active="devon" {...chrome(c)}>
        <h1>Devon</h1>
        {url === undefined ? (
          <p class="notice">No Devon URL is set: set one in <a href="/settings">Settings</a>.</p>
        ) : (
          <iframe class="devon" src={`${DEVON_PROXY_PREFIX}/`} title="Devon"></iframe>
        )}
      </Layout>,
    );
  });
  return app;
}
