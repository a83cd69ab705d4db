/**
 * `/runs/:id`: one stored run — the HTML report's body (key metrics and every chart, from the
 * report's own renderer and chart script), its tests and metrics, its per-item outputs with a
 * "wrong only" filter (refreshed through htmx), downloads, and delete behind a confirmation page.
 */
import { Hono } from "hono";
import { raw } from "hono/html";
import { KittError } from "../../errors.js";
import { storedReportDocuments } from "../../report/formats/report-documents.js";
import { renderReportBody } from "../../report/html/report-body.js";
import { REPORT_FORMATS } from "../../report/render-report.js";
import { formatMetric } from "../../results/metric-format.js";
import type { StoredRun } from "../../store/run-queries.js";
import { RunIdParams } from "../api/schemas.js";
import { formatDuration, formatTime } from "./format.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { ItemsTable, itemsView } from "./run-items.js";

function runIdOf(c: PageContext): string {
  const parsed = RunIdParams.safeParse({ id: c.req.param("id") });
  if (!parsed.success) throw new KittError("USAGE", "not a run id");
  return parsed.data.id;
}

async function storedRun(options: PageOptions, c: PageContext): Promise<StoredRun> {
  const id = await options.store.resolveId(runIdOf(c));
  const run = await options.store.getRun(id);
  if (!run) throw new KittError("NOT_FOUND", `no run ${id} in ${options.store.description}`);
  return run;
}

const wrongOnly = (c: PageContext) => ["1", "true", "on"].includes(c.req.query("wrong") ?? "");

function RunRecord({ run }: { run: StoredRun }) {
  const rows: Array<[string, string]> = [
    ["id", run.id],
    ["status", run.stop_reason ? `${run.status} (${run.stop_reason})` : run.status],
    ["model", run.model],
    ["engine", [run.engine, run.engine_version, run.runtime].filter(Boolean).join(" · ")],
    ["suite", run.suite_version ? `${run.suite} ${run.suite_version}` : run.suite],
    ["started", formatTime(run.started_at)],
    ["duration", formatDuration(run.started_at, run.finished_at)],
    ["kitt", run.kitt_version ?? "—"],
  ];
  if (run.image_digest) rows.push(["image", run.image_digest]);
  if (run.owner_host) rows.push(["host", run.owner_host]);
  return (
    <table class="record">
      {rows.map(([key, value]) => (
        <tr>
          <th>{key}</th>
          <td>{value}</td>
        </tr>
      ))}
    </table>
  );
}

function TestsTable({ run }: { run: StoredRun }) {
  if (run.benchmarks.length === 0) return <p class="muted">No tests stored.</p>;
  return (
    <>
      {run.benchmarks.map((test) => (
        <details class="panel" data-test={test.test_name}>
          <summary>
            <strong>{test.run_number > 1 ? `${test.test_name} #${test.run_number}` : test.test_name}</strong> {test.test_version} ·{" "}
            <span class={test.passed ? "status-completed" : "status-failed"}>{test.passed ? "passed" : test.partial ? "partial" : "failed"}</span> ·{" "}
            {test.duration_seconds.toFixed(1)} s · {Object.keys(test.metric_values).length} metrics
          </summary>
          {test.errors.length > 0 ? (
            <ul class="alert">
              {test.errors.map((error) => (
                <li>{error}</li>
              ))}
            </ul>
          ) : null}
          <table>
            {Object.entries(test.metric_values)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([key, value]) => (
                <tr>
                  <td>{key}</td>
                  <td class="num">{formatMetric(value)}</td>
                </tr>
              ))}
          </table>
        </details>
      ))}
    </>
  );
}

export function runPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/runs/:id", async (c) => {
    const run = await storedRun(options, c);
    const docs = await storedReportDocuments(options.store, run.id);
    const body = renderReportBody(docs);
    const wrong = wrongOnly(c);
    const api = `/api/v1/runs/${run.id}`;
    return c.html(
      <Layout title={`Run ${run.id.slice(0, 8)}`} active="results" {...chrome(c)} charts>
        <div class="actions">
          <a class="button plain" href={`${api}/export`}>
            Export (.tar.gz)
          </a>
          {REPORT_FORMATS.map((format) => (
            <a class="button plain" href={`${api}/report?format=${format}`}>
              Report ({format})
            </a>
          ))}
          <a class="button danger" href={`/runs/${run.id}/delete`}>
            Delete…
          </a>
        </div>
        <div class="report">{raw(body.html)}</div>
        <h2>Run</h2>
        <RunRecord run={run} />
        <h2>Tests and metrics</h2>
        <TestsTable run={run} />
        <h2>Per-item outputs</h2>
        <form class="filters" action={`/runs/${run.id}`} method="get" hx-get={`/runs/${run.id}/items`} hx-target="#items" hx-trigger="change">
          <label class="inline">
            <input type="checkbox" name="wrong" value="1" checked={wrong} /> wrong only
          </label>
          <noscript>
            <button type="submit">Show</button>
          </noscript>
        </form>
        <div id="items">
          <ItemsTable view={itemsView(docs.files, docs.label, wrong)} wrong={wrong} />
        </div>
        {raw(body.dataScript)}
      </Layout>,
    );
  });
  app.get("/runs/:id/items", async (c) => {
    const docs = await storedReportDocuments(options.store, runIdOf(c));
    const wrong = wrongOnly(c);
    return c.html(<ItemsTable view={itemsView(docs.files, docs.label, wrong)} wrong={wrong} />);
  });
  app.get("/runs/:id/delete", async (c) => {
    const run = await storedRun(options, c);
    return c.html(
      <Layout title="Delete run" active="results" {...chrome(c)}>
        <h1>Delete run {run.id.slice(0, 8)}?</h1>
        <p>
          {run.model} on {run.engine}, suite {run.suite}, started {formatTime(run.started_at)}. Its tests, metrics, samples and files are removed
          from the store; this cannot be undone.
        </p>
        <form method="post" action={`/runs/${run.id}/delete`} class="actions">
          <button type="submit" class="danger">
            Delete
          </button>
          <a href={`/runs/${run.id}`}>Keep it</a>
        </form>
      </Layout>,
    );
  });
  app.post("/runs/:id/delete", async (c) => {
    const id = runIdOf(c);
    if (!(await options.store.deleteRun(id))) throw new KittError("NOT_FOUND", `no run ${id} in ${options.store.description}`);
    return c.redirect(`/results?deleted=${encodeURIComponent(id)}`, 303);
  });
  return app;
}
