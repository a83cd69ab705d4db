/**
 * The page's own script: draws every available chart with uPlot from the JSON embedded in the
 * page, then sets `data-charts-drawn` on <body> so a browser (or a test) knows it finished.
 */
export const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("kitt-report-data").textContent);
  var drawn = 0;
  data.charts.forEach(function (chart) {
    if (!chart.available) return;
    var el = document.getElementById("chart-" + chart.id);
    var series = [{ label: chart.xLabel }];
    chart.series.forEach(function (s) {
      if (chart.kind === "bars") {
        series.push({ label: s.label, stroke: s.color, fill: s.color, width: 1, paths: uPlot.paths.bars({ size: [0.9, 100] }), points: { show: false } });
      } else if (chart.kind === "points") {
        series.push({ label: s.label, stroke: s.color, fill: s.color, paths: function () { return null; }, points: { show: true, size: 9, fill: s.color } });
      } else {
        series.push({ label: s.label, stroke: s.color, width: 2, spanGaps: chart.spanGaps === true, points: { show: chart.x.length <= 30, fill: s.color } });
      }
    });
    var options = {
      width: Math.max(320, Math.min(el.clientWidth || 800, 1000)),
      height: 300,
      series: series,
      scales: { x: { time: false } },
      axes: [{ label: chart.xLabel }, { label: chart.yLabel }]
    };
    new uPlot(options, [chart.x].concat(chart.series.map(function (s) { return s.values; })), el);
    drawn += 1;
  });
  document.body.setAttribute("data-charts-drawn", String(drawn));
})();
`;
