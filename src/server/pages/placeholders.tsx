/** Quick Test, Jobs and Settings: their pages come with the jobs and settings APIs; until then they say so. */
import { Hono } from "hono";
import { Layout, type NavKey } from "./layout.js";
import { signedIn, type PageEnv } from "./page-env.js";

const COMING: ReadonlyArray<[NavKey, string, string, string]> = [
  ["quick-test", "/quick-test", "Quick Test", "Launching a quick test on a model from the Models page comes with the jobs API."],
  ["jobs", "/jobs", "Jobs", "Running, queued and finished jobs show here once the jobs API is in place."],
  ["settings", "/settings", "Settings", "The model directory, results directory and Devon settings are edited here once the settings API is in place."],
];

export function placeholderPages(): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  for (const [key, path, title, text] of COMING) {
    app.get(path, (c) =>
      c.html(
        <Layout title={title} active={key} signedIn={signedIn(c)}>
          <h1>{title}</h1>
          <p class="notice">{text}</p>
        </Layout>,
      ),
    );
  }
  return app;
}
