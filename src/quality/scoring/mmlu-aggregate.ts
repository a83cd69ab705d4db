/**
 * MMLU's breakdown: accuracy per subject and per category (stem, humanities, social sciences,
 * other), and overall as the micro-average over every question (each subject weighted by its
 * size, as the harness's group score with `weight_by_size` is).
 */
import { KittError } from "../../errors.js";
import type { MmluCategory } from "../data/mmlu.js";
import { summarize, type MetricSummary, type ScoringMethod } from "./summary.js";

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
  const byCategory = new Map<MmluCategory, number[]>();
  for (const { subject, score } of scores) {
    const category = categories.get(subject);
    if (category === undefined) throw new KittError("BENCHMARK_FAILED", `MMLU subject ${subject} has no category`);
    push(bySubject, subject, score);
    push(byCategory, category, score);
  }
  const subjects: Record<string, MetricSummary> = {};
  for (const [subject, values] of [...bySubject].sort(([a], [b]) => a.localeCompare(b))) subjects[subject] = summarize(metric, method, values);
  const categoryScores: Partial<Record<MmluCategory, MetricSummary>> = {};
  for (const [category, values] of byCategory) categoryScores[category] = summarize(metric, method, values);
  return { overall: summarize(metric, method, scores.map((s) => s.score)), subjects, categories: categoryScores };
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
