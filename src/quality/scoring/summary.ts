/**
 * One reported number: the mean of per-document scores with the harness's standard error
 * (`mean_stderr`: sample standard deviation with ddof = 1, over √n), and the method that produced
 * it, so numbers from different methods are never mixed.
 */
import { KittError } from "../../errors.js";

/** How the per-document scores were obtained. */
export type ScoringMethod =
  /** Summed continuation log-likelihoods (needs prompt logprobs): acc, acc_norm, mc1, mc2. */
  | "loglikelihood"
  /** The first generated token's top-k logprobs for the letters of a lettered prompt. */
  | "top_k_letters"
  /** Greedy generation scored by the task's filters and exact_match. */
  | "generation"
  /** Greedy generation of a letter for a lettered prompt. */
  | "lettered_generation";

export interface MetricSummary {
  metric: string;
  method: ScoringMethod;
  value: number;
  /** NaN with fewer than two documents, as in the harness. */
  stderr: number;
  count: number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new KittError("BENCHMARK_FAILED", "no documents were scored");
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** √(Σ(x − x̄)² / (n − 1)) / √n. */
export function meanStderr(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  const variance = values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

/**
 * A group's standard error from its members' (lm-evaluation-harness's `pooled_sample_stderr`, which
 * groups weighted by size use): the pooled sample variance Σ (nᵢ − 1)·nᵢ·seᵢ² / (N − k) of k members
 * with N documents in all, then √(variance / N). NaN when a member's is NaN, as the harness reports
 * N/A for the group when a member has none.
 */
export function pooledStderr(members: readonly Pick<MetricSummary, "stderr" | "count">[]): number {
  const total = members.reduce((sum, { count }) => sum + count, 0);
  const variance = members.reduce((sum, { stderr, count }) => sum + (count - 1) * count * stderr ** 2, 0) / (total - members.length);
  return Math.sqrt(variance / total);
}

export function summarize(metric: string, method: ScoringMethod, scores: readonly number[]): MetricSummary {
  return { metric, method, value: mean(scores), stderr: meanStderr(scores), count: scores.length };
}
