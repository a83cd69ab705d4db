/**
 * `/recommend`: stored runs within the limits given (the recommend code behind `kitt recommend`
 * and the recommend API), the Pareto front marked, and throughput against TTFT as a scatter plot.
 */
import { Hono } from "hono";
import type { Candidate } from "../../report/recommend.js";
import { paletteColor, type ReportChart } from "../../report/html/chart-spec.js";
import { RecommendQuery, recommendFor } from "../api/analysis.js";
import { ChartData, ChartSection } from "./charts.js";
import { formatNumber } from "./format.js";
import { Layout } from "./layout.js";
import { chrome, type PageEnv, type PageOptions } from "./page-env.js";
import { parseQuery } from "./query.js";

type Ranked = Candidate & { pareto: boolean };

function paretoChart(candidates: readonly Ranked[]): ReportChart {
  const base = { id: "recommend-pareto", title: "Throughput vs TTFT (Pareto front)" };
  const plotted = candidates.filter((c): c is Ranked & { throughput: number; latencyMs: number } => c.throughput !== null && c.latencyMs !== null);
  if (plotted.length === 0) return { ...base, available: false, reason: "not measured: no run within the limits has both output throughput and median TTFT" };
  const x = [...new Set(plotted.map((c) => c.throughput))].sort((a, b) => a - b);
  const series = (label: string, pareto: boolean, color: string) => {
    const at = new Map<number, number>();
    for (const c of plotted) if (c.pareto === pareto) at.set(c.throughput, Math.min(c.latencyMs, at.get(c.throughput) ?? Infinity));
    return { label, values: x.map((t) => at.get(t) ?? null), color };
  };
  return {
    ...base,
    available: true,
    kind: "points",
    xLabel: "output tokens / s",
    yLabel: "median TTFT (ms)",
    x,
    series: [series("on the Pareto front", true, paletteColor(1)), series("dominated", false, paletteColor(0))],
    note: "right and low is better; the front is the runs no other run beats on every figure",
  };
}

export function recommendPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/recommend", async (c) => {
    const parsed = parseQuery(c, RecommendQuery);
    const candidates = parsed.ok ? await recommendFor(options.store, parsed.value) : [];
    const q = parsed.ok ? parsed.value : undefined;
    const chart = paretoChart(candidates);
    const field = (name: keyof NonNullable<typeof q>) => (q?.[name] === undefined ? "" : String(q[name]));
    return c.html(
      <Layout title="Recommend" active="recommend" {...chrome(c)} charts>
        <h1>Recommend</h1>
        <p class="muted">Completed runs within your limits; a limit on a figure a run did not measure leaves that run out.</p>
        <form class="filters panel" action="/recommend" method="get">
          <label>
            max GPU memory (GB) <input name="max_vram" type="number" step="any" min="0" value={field("max_vram")} />
          </label>
          <label>
            min throughput (tok/s) <input name="min_throughput" type="number" step="any" min="0" value={field("min_throughput")} />
          </label>
          <label>
            min accuracy (0-1) <input name="min_accuracy" type="number" step="any" min="0" max="1" value={field("min_accuracy")} />
          </label>
          <label>
            max median TTFT (ms) <input name="max_latency" type="number" step="any" min="0" value={field("max_latency")} />
          </label>
          <label>
            model <input name="model" value={field("model")} placeholder="any" />
          </label>
          <label>
            engine <input name="engine" value={field("engine")} placeholder="any" />
          </label>
          <button type="submit">Recommend</button>
        </form>
        {parsed.ok ? null : (
          <p class="alert" role="alert">
            {parsed.error}
          </p>
        )}
        {candidates.length === 0 ? (
          <p class="muted">No run is within these limits.</p>
        ) : (
          <div class="table-wrap">
            <table class="candidates">
              <thead>
                <tr>
                  <th>run</th>
                  <th>model</th>
                  <th>engine</th>
                  <th>throughput (tok/s)</th>
                  <th>median TTFT (ms)</th>
                  <th>accuracy</th>
                  <th>GPU memory (GB)</th>
                  <th>Pareto</th>
                </tr>
              </thead>
              <tbody>
                {candidates.map((candidate) => (
                  <tr data-run-id={candidate.id} data-pareto={String(candidate.pareto)}>
                    <td>
                      <a href={`/runs/${candidate.id}`}>{candidate.id.slice(0, 8)}</a>
                    </td>
                    <td>{candidate.model}</td>
                    <td>{candidate.engine}</td>
                    <td class="num">{formatNumber(candidate.throughput)}</td>
                    <td class="num">{formatNumber(candidate.latencyMs)}</td>
                    <td class="num">{formatNumber(candidate.accuracy, 3)}</td>
                    <td class="num">{formatNumber(candidate.vramGb)}</td>
                    <td class={candidate.pareto ? "flag-better" : ""}>{candidate.pareto ? "front" : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <ChartSection chart={chart} />
        <ChartData charts={[chart]} />
      </Layout>,
      parsed.ok ? 200 : 400,
    );
  });
  return app;
}
