/** `kitt compare RUN...`: shared metrics side by side, against the first run, with regression flags. */
import pc from "picocolors";
import { KittError } from "../../errors.js";
import { CRITICAL_FRACTION, WARN_FRACTION, type ComparedValue, type CompareRow } from "../../report/compare.js";
import { compareStoredRuns } from "../../report/compare-stored.js";
import { formatMetric } from "../../results/metric-format.js";
import { openStore } from "../../store/results-store.js";
import { textTable } from "../../report/text-table.js";
import { COMPARE_OPTIONS } from "../options/results.js";
import type { OptionsInput } from "../options/table.js";

export async function compareCommand(ids: readonly string[], options: OptionsInput<typeof COMPARE_OPTIONS> = {}): Promise<void> {
  const format = options.format ?? COMPARE_OPTIONS.format.default;
  if (format !== "table" && format !== "json") throw new KittError("USAGE", "--format must be table or json");
  if (ids.length < 2) throw new KittError("USAGE", "give at least two runs to compare");
  await using store = await openStore({ url: options.db });
  const comparison = await compareStoredRuns(store, ids);
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    return;
  }
  const { runs: runIds, rows } = comparison;
  if (rows.length === 0) {
    process.stdout.write("these runs share no metrics\n");
    return;
  }
  process.stdout.write(`${renderCompareTable(runIds, rows)}\n`);
}

export function renderCompareTable(runIds: readonly string[], rows: readonly CompareRow[]): string {
  const table = textTable({ compact: true, head: ["metric", "better", ...runIds.map((id, i) => (i === 0 ? `${id.slice(0, 8)} (baseline)` : id.slice(0, 8)))] });
  for (const row of rows) {
    const better = row.direction === "lower" ? "lower" : row.direction === "higher" ? "higher" : "";
    table.push([row.key, pc.dim(better), formatMetric(row.baseline), ...row.others.map(comparedCell)]);
  }
  const counts = countFlags(rows);
  const legend = `regressions: ${counts.critical} critical (≥${CRITICAL_FRACTION * 100}% worse), ${counts.warning} warnings (≥${WARN_FRACTION * 100}% worse)`;
  return `${table.toString()}\n${counts.critical > 0 ? pc.red(legend) : counts.warning > 0 ? pc.yellow(legend) : legend}`;
}

function comparedCell(value: ComparedValue): string {
  const percent = value.percent === null ? "" : ` (${value.percent >= 0 ? "+" : ""}${value.percent.toFixed(1)}%)`;
  const textValue = `${formatMetric(value.value)}${percent}`;
  switch (value.flag) {
    case "critical":
      return pc.red(`${textValue} ✖ critical`);
    case "warning":
      return pc.yellow(`${textValue} ! warning`);
    case "better":
      return pc.green(textValue);
    default:
      return textValue;
  }
}

function countFlags(rows: readonly CompareRow[]): { critical: number; warning: number } {
  const flags = rows.flatMap((row) => row.others.map((other) => other.flag));
  return { critical: flags.filter((f) => f === "critical").length, warning: flags.filter((f) => f === "warning").length };
}
