/**
 * The page frame every dashboard page shares: head (stylesheets, htmx, a page's own scripts), the
 * navigation (the Devon tab when it is on), sign-out for a browser signed in with a session, and
 * the scripts a page with charts needs. Only
 * external scripts and stylesheets, so the strict CSP holds; htmx's own inline indicator style
 * is turned off through its config (the stylesheet has the rule instead).
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { assetUrl } from "./assets.js";

export type NavKey = "dashboard" | "results" | "compare" | "recommend" | "models" | "quick-test" | "jobs" | "agents" | "settings" | "devon";

const NAV: ReadonlyArray<[NavKey, string, string]> = [
  ["dashboard", "Dashboard", "/"],
  ["results", "Results", "/results"],
  ["compare", "Compare", "/compare"],
  ["recommend", "Recommend", "/recommend"],
  ["models", "Models", "/models"],
  ["quick-test", "Quick Test", "/quick-test"],
  ["jobs", "Jobs", "/jobs"],
  ["agents", "Agents", "/agents"],
  ["settings", "Settings", "/settings"],
];

const DEVON_NAV: ReadonlyArray<[NavKey, string, string]> = [["devon", "Devon", "/devon"]];

/** No inline style or eval (the CSP forbids both); a 400 (a bad filter) is swapped in like any answer, since it says what was wrong. */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ],
});

export interface LayoutProps {
  title: string;
  /** The navigation entry to mark; none on the login page, which has no navigation. */
  active?: NavKey;
  /** Signed in with a session cookie: offer to sign out. */
  signedIn?: boolean;
  /** A Devon URL is set and its tab is on: the navigation links the Devon page. */
  devonTab?: boolean;
  /** Load htmx (default); the login page needs no script at all. */
  htmx?: boolean;
  /** The page draws charts from a `kitt-report-data` JSON element (uPlot and the report's chart script). */
  charts?: boolean;
  /** Further external scripts the page runs (deferred). */
  scripts?: readonly string[];
  children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title>{`${props.title} — kitt`}</title>
          <link rel="icon" type="image/svg+xml" href={assetUrl("/assets/favicon.svg")} />
          {props.charts ? <link rel="stylesheet" href={assetUrl("/assets/uplot.min.css")} /> : null}
          {props.charts ? <link rel="stylesheet" href={assetUrl("/assets/report.css")} /> : null}
          <link rel="stylesheet" href={assetUrl("/assets/kitt.css")} />
          {props.htmx === false ? null : <script src={assetUrl("/assets/htmx.min.js")} defer></script>}
          {(props.scripts ?? []).map((src) => (
            <script src={src} defer></script>
          ))}
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">
              kitt
            </a>
            {props.active === undefined ? null : (
              <nav aria-label="main">
                {[...NAV, ...(props.devonTab ? DEVON_NAV : [])].map(([key, label, href]) => (
                  <a href={href} aria-current={key === props.active ? "page" : undefined}>
                    {label}
                  </a>
                ))}
              </nav>
            )}
            {props.signedIn ? (
              <form method="post" action="/logout">
                <button type="submit">Sign out</button>
              </form>
            ) : null}
          </header>
          <main>{props.children}</main>
          {props.charts ? <script src={assetUrl("/assets/uplot.min.js")}></script> : null}
          {props.charts ? <script src={assetUrl("/assets/report-charts.js")}></script> : null}
        </body>
      </html>
    </>
  );
}
