/**
 * Chart sections drawn by the report's own chart script (`/assets/report-charts.js`): the same
 * markup the HTML report gives each chart and the same JSON element it reads, so the compare and
 * recommend pages draw with the code the report uses.
 */
import { raw } from "hono/html";
import type { ReportChart } from "../../report/html/chart-spec.js";
import { REPORT_DATA_ID } from "../../report/html/report-body.js";

export function ChartSection({ chart }: { chart: ReportChart }) {
  if (!chart.available) {
    return (
      <section class="chart" data-chart={chart.id} data-available="false">
        <h2>{chart.title}</h2>
        <p class="missing">{chart.reason}</p>
      </section>
    );
  }
  return (
    <section class="chart" data-chart={chart.id} data-available="true" data-colors={chart.series.map((s) => s.color).join(" ")}>
      <h2>{chart.title}</h2>
      <div id={`chart-${chart.id}`}></div>
      {chart.note ? <p class="note">{chart.note}</p> : null}
    </section>
  );
}

/** The charts' data, not executed (a strict CSP allows it); `<` escaped so no text can close the element. */
export function ChartData({ charts }: { charts: readonly ReportChart[] }) {
  return raw(`<script type="application/json" id="${REPORT_DATA_ID}">${JSON.stringify({ charts }).replace(/</g, "\\u003c")}</script>`);
}
