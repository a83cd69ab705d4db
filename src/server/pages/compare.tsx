/**
 * `/compare?run=A&run=B…`: the runs' shared metrics against the first (the compare code behind
 * `kitt compare` and the compare API: deltas and regression flags) and overlay charts; without
 * two runs, the latest runs to pick from.
 */
import { Hono } from "hono";
import { KittError } from "../../errors.js";
import { compareStoredRuns, type StoredComparison } from "../../report/compare-stored.js";
import { storedReportDocuments } from "../../report/formats/report-documents.js";
import { RunIdParams } from "../api/schemas.js";
import { ChartData, ChartSection } from "./charts.js";
import { compareCharts } from "./compare-charts.js";
import { formatNumber } from "./format.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { RunsTable } from "./runs-table.js";

/** As the compare API accepts. */
const MAX_RUNS = 50;
/** Overlays get one colour per run; beyond the palette they would repeat. */
const MAX_CHARTED = 8;
const PICK_FROM = 50;

function chosenRuns(c: PageContext): string[] {
  const ids = [...new Set((c.req.queries("run") ?? []).filter((id) => id !== ""))];
  if (ids.length > MAX_RUNS) throw new KittError("USAGE", `compare at most ${MAX_RUNS} runs`);
  for (const id of ids) if (!RunIdParams.safeParse({ id }).success) throw new KittError("USAGE", "run: not a run id");
  return ids;
}

function signed(value: number, digits = 2): string {
  return `${value > 0 ? "+" : ""}${formatNumber(value, digits)}`;
}

function DeltaTable({ comparison }: { comparison: StoredComparison }) {
  if (comparison.rows.length === 0) return <p class="muted">These runs share no metric.</p>;
  const others = comparison.runs.slice(1);
  return (
    <div class="table-wrap">
      <table class="deltas">
        <thead>
          <tr>
            <th>metric</th>
            <th>better</th>
            <th>
              <a href={`/runs/${comparison.baseline}`}>{comparison.baseline.slice(0, 8)}</a> (baseline)
            </th>
            {others.map((id) => (
              <th colspan={3}>
                <a href={`/runs/${id}`}>{id.slice(0, 8)}</a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {comparison.rows.map((row) => (
            <tr data-metric={row.key}>
              <td>{row.key}</td>
              <td>{row.direction ?? "—"}</td>
              <td class="num">{formatNumber(row.baseline)}</td>
              {row.others.map((other) => (
                <>
                  <td class="num">{formatNumber(other.value)}</td>
                  <td class="num">{other.percent === null ? signed(other.delta) : `${signed(other.percent, 1)} %`}</td>
                  <td class={`flag-${other.flag}`} data-flag={other.flag}>
                    {other.flag}
                  </td>
                </>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function comparePage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/compare", async (c) => {
    const ids = chosenRuns(c);
    if (ids.length < 2) {
      const runs = await options.store.listRunsWithGpu({ limit: PICK_FROM });
      return c.html(
        <Layout title="Compare" active="compare" {...chrome(c)}>
          <h1>Compare runs</h1>
          <p class="muted">Pick two or more runs; the first one picked (highest in the list) is the baseline.</p>
          {ids.length === 1 ? <p class="alert">Pick at least two runs.</p> : null}
          <form action="/compare" method="get">
            <RunsTable runs={runs} selectable selected={ids} />
            <button type="submit">Compare</button>
          </form>
        </Layout>,
      );
    }
    const comparison = await compareStoredRuns(options.store, ids);
    const charted = await Promise.all(
      comparison.runs.slice(0, MAX_CHARTED).map(async (id) => ({ label: id.slice(0, 8), docs: await storedReportDocuments(options.store, id) })),
    );
    const charts = compareCharts(charted);
    return c.html(
      <Layout title="Compare" active="compare" {...chrome(c)} charts>
        <h1>Compare {comparison.runs.length} runs</h1>
        <p class="muted">
          Against the baseline {comparison.baseline.slice(0, 8)}: a change for the worse of 10 % or more warns, 25 % or more is critical.{" "}
          <a href="/compare">Pick other runs</a>
        </p>
        <DeltaTable comparison={comparison} />
        {comparison.runs.length > MAX_CHARTED ? <p class="muted">The charts show the first {MAX_CHARTED} runs.</p> : null}
        {charts.map((chart) => (
          <ChartSection chart={chart} />
        ))}
        <ChartData charts={charts} />
      </Layout>,
    );
  });
  return app;
}
