/**
 * Everything a page loads, served by kitt itself so the dashboard works without any outside
 * network: htmx and uPlot from the installed packages, the report's chart script and styles
 * (the same code the HTML report file inlines), the job page's live updates, the dashboard's stylesheet and icon. Public, so the
 * login page is styled too.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Hono } from "hono";
import { kittVersion } from "../../package-root.js";
import { CHART_SCRIPT } from "../../report/html/chart-script.js";
import { REPORT_CSS } from "../../report/html/report-body.js";
import { uplotAssets } from "../../report/html/uplot-assets.js";
import { JOB_LIVE_SCRIPT } from "../assets/job-live-script.js";
import { FAVICON, KITT_CSS } from "../assets/kitt-css.js";

const require = createRequire(import.meta.url);

interface Asset {
  type: string;
  body: () => string;
}

let htmx: string | undefined;

const ASSETS: Record<string, Asset> = {
  "/assets/htmx.min.js": { type: "text/javascript", body: () => (htmx ??= readFileSync(require.resolve("htmx.org/dist/htmx.min.js"), "utf8")) },
  "/assets/uplot.min.js": { type: "text/javascript", body: () => uplotAssets().script },
  "/assets/uplot.min.css": { type: "text/css", body: () => uplotAssets().css },
  "/assets/report-charts.js": { type: "text/javascript", body: () => CHART_SCRIPT },
  "/assets/report.css": { type: "text/css", body: () => REPORT_CSS },
  "/assets/job-live.js": { type: "text/javascript", body: () => JOB_LIVE_SCRIPT },
  "/assets/kitt.css": { type: "text/css", body: () => KITT_CSS },
  "/assets/favicon.svg": { type: "image/svg+xml", body: () => FAVICON },
};

export const ASSET_PATHS: readonly string[] = Object.keys(ASSETS);

/** An asset's URL as pages link it: the version in the query, so an upgraded kitt is never served a cached old file. */
export function assetUrl(path: keyof typeof ASSETS & string): string {
  return `${path}?v=${encodeURIComponent(kittVersion())}`;
}

export function assetRoutes(): Hono {
  const app = new Hono();
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, (c) => c.body(asset.body(), 200, { "Content-Type": `${asset.type}; charset=utf-8`, "Cache-Control": "public, max-age=86400" }));
  }
  return app;
}
