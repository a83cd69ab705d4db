/** `/`: the latest runs, the store's figures, and where jobs will show. */
import { Hono } from "hono";
import { formatSize, formatTime } from "./format.js";
import { Layout } from "./layout.js";
import { signedIn, type PageEnv, type PageOptions } from "./page-env.js";
import { RunsTable } from "./runs-table.js";

const LATEST = 10;

export function dashboardPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/", async (c) => {
    const [stats, runs] = await Promise.all([options.store.stats(), options.store.listRunsWithGpu({ limit: LATEST })]);
    return c.html(
      <Layout title="Dashboard" active="dashboard" signedIn={signedIn(c)}>
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
          <section class="panel" aria-label="jobs">
            <h2>Jobs</h2>
            <p class="muted">
              Running and queued quick tests show on the <a href="/jobs">Jobs</a> page.
            </p>
          </section>
        </div>
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
