/**
 * A run's records as metrics: per metric the mean and its standard error, with the method and
 * prompt form beside every number (`{method: "top_k_letters", acc, acc_stderr, n, ...}`), then
 * whatever breakdown the plan adds (MMLU: per subject and per category).
 */
import type { JsonValue } from "../../json.js";
import type { Metrics } from "../../metrics.js";
import { summarize, type MetricSummary } from "../scoring/summary.js";
import type { ItemRecord } from "./item-record.js";
import type { QualityPlan } from "./plan.js";

/** `{acc: 0.5, acc_stderr: 0.1}`; a NaN standard error (fewer than two documents) is null. */
export function summaryNumbers(summary: MetricSummary): Record<string, number | null> {
  return { [summary.metric]: summary.value, [`${summary.metric}_stderr`]: Number.isNaN(summary.stderr) ? null : summary.stderr };
}

/** `{astronomy: {n: 2, acc: 1, acc_stderr: 0}, ...}`, leaving out groups without a summary. */
export function summaryTable(summaries: Readonly<Record<string, MetricSummary | undefined>>): JsonValue {
  return Object.fromEntries(Object.entries(summaries).flatMap(([name, s]) => (s ? [[name, { n: s.count, ...summaryNumbers(s) }]] : [])));
}

export function qualityMetrics(plan: QualityPlan, records: readonly ItemRecord[]): Metrics {
  // Documents whose prompt lost its oldest tokens to fit the engine's context.
  const truncated = records.filter((record) => record.truncated === true).length;
  const metrics: Metrics = { task: plan.task, method: plan.method, prompt: plan.prompt, n: records.length, truncated_prompts: truncated };
  if (records.length === 0) {
    for (const metric of plan.metrics) Object.assign(metrics, { [metric]: null, [`${metric}_stderr`]: null });
    return metrics;
  }
  for (const metric of plan.metrics) {
    Object.assign(metrics, summaryNumbers(summarize(metric, plan.method, records.map((record) => record.scores[metric] ?? Number.NaN))));
  }
  if (plan.breakdown !== undefined) Object.assign(metrics, plan.breakdown(records));
  return metrics;
}
