/**
 * A run's records as metrics: per metric the mean and its standard error, with the method and
 * prompt form beside every number (`{method: "top_k_letters", acc, acc_stderr, n, ...}`); MMLU
 * also per subject and per category, overall being the micro-average over every question, and the
 * overall and category standard errors pooled over subjects as the harness's groups have them.
 */
import type { JsonValue, Metrics } from "../../bench/types.js";
import type { MmluCategory } from "../tasks/mmlu/data.js";
import { aggregateMmlu } from "../tasks/mmlu/aggregate.js";
import { summarize, type MetricSummary } from "../scoring/summary.js";
import type { ItemRecord } from "./item-record.js";
import type { QualityPlan } from "./plan.js";

/** `{acc: 0.5, acc_stderr: 0.1}`; a NaN standard error (fewer than two documents) is null. */
function numbers(summary: MetricSummary): Record<string, number | null> {
  return { [summary.metric]: summary.value, [`${summary.metric}_stderr`]: Number.isNaN(summary.stderr) ? null : summary.stderr };
}

export function qualityMetrics(plan: QualityPlan, records: readonly ItemRecord[], categories?: ReadonlyMap<string, MmluCategory>): Metrics {
  // Documents whose prompt lost its oldest tokens to fit the engine's context.
  const truncated = records.filter((record) => record.truncated === true).length;
  const metrics: Metrics = { task: plan.task, method: plan.method, prompt: plan.prompt, n: records.length, truncated_prompts: truncated };
  if (records.length === 0) {
    for (const metric of plan.metrics) Object.assign(metrics, { [metric]: null, [`${metric}_stderr`]: null });
    return metrics;
  }
  for (const metric of plan.metrics) {
    Object.assign(metrics, numbers(summarize(metric, plan.method, records.map((record) => record.scores[metric] ?? Number.NaN))));
  }
  if (plan.kind === "mmlu" && categories !== undefined) {
    const metric = plan.metrics[0]!;
    const breakdown = aggregateMmlu(
      records.map((record) => ({ subject: record.subject ?? "", score: record.scores[metric] ?? Number.NaN })),
      categories,
      metric,
      plan.method,
    );
    const table = (summaries: Record<string, MetricSummary | undefined>): JsonValue =>
      Object.fromEntries(Object.entries(summaries).flatMap(([name, s]) => (s ? [[name, { n: s.count, ...numbers(s) }]] : [])));
    Object.assign(metrics, numbers(breakdown.overall));
    metrics.per_subject = table(breakdown.subjects);
    metrics.per_category = table(breakdown.categories);
  }
  return metrics;
}
