/**
 * MMLU's breakdown: accuracy per subject and per category (stem, humanities, social sciences,
 * other), and overall as the micro-average over every question (each subject weighted by its
 * size, as the harness's group score with `weight_by_size` is). A category's and the overall
 * standard error pool the subjects' variances, as the harness's groups do (`pooledStderr`).
 */
import type { Metrics } from "../../../metrics.js";
import { KittError } from "../../../errors.js";
import type { ItemRecord } from "../../run/item-record.js";
import { summaryNumbers, summaryTable } from "../../run/report.js";
import { mean, pooledStderr, summarize, type MetricSummary, type ScoringMethod } from "../../scoring/summary.js";
import type { MmluCategory } from "./data.js";

export interface MmluScore {
  subject: string;
  /** 0 or 1. */
  score: number;
}

export interface MmluBreakdown {
  overall: MetricSummary;
  subjects: Record<string, MetricSummary>;
  categories: Partial<Record<MmluCategory, MetricSummary>>;
}

export function aggregateMmlu(
  scores: readonly MmluScore[],
  categories: ReadonlyMap<string, MmluCategory>,
  metric: string,
  method: ScoringMethod,
): MmluBreakdown {
  const bySubject = new Map<string, number[]>();
  const byCategory = new Map<MmluCategory, string[]>();
  for (const { subject, score } of scores) {
    const category = categories.get(subject);
    if (category === undefined) throw new KittError("BENCHMARK_FAILED", `MMLU subject ${subject} has no category`);
    if (!bySubject.has(subject)) push(byCategory, category, subject);
    push(bySubject, subject, score);
  }
  const subjects: Record<string, MetricSummary> = {};
  for (const [subject, values] of [...bySubject].sort(([a], [b]) => a.localeCompare(b))) subjects[subject] = summarize(metric, method, values);
  const group = (members: readonly string[]): MetricSummary => {
    const values = members.flatMap((subject) => bySubject.get(subject)!);
    return { metric, method, value: mean(values), stderr: pooledStderr(members.map((subject) => subjects[subject]!)), count: values.length };
  };
  const categoryScores: Partial<Record<MmluCategory, MetricSummary>> = {};
  for (const [category, members] of byCategory) categoryScores[category] = group(members);
  return { overall: group([...bySubject.keys()]), subjects, categories: categoryScores };
}

/**
 * A run's breakdown as metrics: the overall score with its pooled standard error (over the plain
 * mean's), `per_subject` and `per_category`.
 */
export function mmluBreakdownMetrics(
  records: readonly ItemRecord[],
  categories: ReadonlyMap<string, MmluCategory>,
  metric: string,
  method: ScoringMethod,
): Metrics {
  const breakdown = aggregateMmlu(
    records.map((record) => ({ subject: record.subject ?? "", score: record.scores[metric] ?? Number.NaN })),
    categories,
    metric,
    method,
  );
  return { ...summaryNumbers(breakdown.overall), per_subject: summaryTable(breakdown.subjects), per_category: summaryTable(breakdown.categories) };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
