/** `/`: the latest runs, the store's figures, and the running and queued jobs. */
import { Hono } from "hono";
import { listJobPage } from "../api/job-page.js";
import { formatSize, formatTime } from "./format.js";
import { JobsTable } from "./job-summary.js";
import { Layout } from "./layout.js";
import { chrome, type PageEnv, type PageOptions } from "./page-env.js";
import { RunsTable } from "./runs-table.js";

const LATEST = 10;

export function dashboardPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/", async (c) => {
    const [stats, runs, active] = await Promise.all([
      options.store.stats(),
      options.store.listRunsWithGpu({ limit: LATEST }),
      listJobPage(options.store, { status: "running,queued", limit: LATEST }),
    ]);
    return c.html(
      <Layout title="Dashboard" active="dashboard" {...chrome(c)}>
        <h1>Dashboard</h1>
        <p class="meta">{options.store.description}</p>
        <div class="grid">
          <section class="panel stats" aria-label="store">
            <div class="stat">
              <div class="value" data-stat="runs">{stats.runs}</div>
              <div class="muted">runs ({Object.entries(stats.by_status).map(([status, n]) => `${n} ${status}`).join(", ") || "none"})</div>
            </div>
            <div class="stat">
              <div class="value">{stats.benchmarks}</div>
              <div class="muted">tests</div>
            </div>
            <div class="stat">
              <div class="value">{stats.metrics}</div>
              <div class="muted">metrics</div>
            </div>
            <div class="stat">
              <div class="value">{formatSize(stats.request_sample_bytes)}</div>
              <div class="muted">request samples</div>
            </div>
          </section>
          <section class="panel" aria-label="engines">
            <h2>Engines</h2>
            <p>{Object.entries(stats.by_engine).map(([engine, n]) => `${engine}: ${n}`).join(" · ") || "none yet"}</p>
            <p class="muted">latest run {formatTime(stats.last_started_at)}</p>
          </section>
        </div>
        <section class="panel" aria-label="jobs">
          <h2>Running and queued jobs</h2>
          {active.jobs.length === 0 ? <p class="muted">None.</p> : <JobsTable jobs={active.jobs} />}
          <p>
            <a href="/jobs">All jobs</a> · <a href="/quick-test">New quick test</a>
          </p>
        </section>
        <h2>Latest runs</h2>
        <RunsTable runs={runs} />
        <p>
          <a href="/results">All results</a>
        </p>
      </Layout>,
    );
  });
  return app;
}
