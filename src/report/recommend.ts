/**
 * `kitt recommend`: which stored configurations are worth using. Each run is reduced to four
 * figures — output throughput (tok/s, higher is better), median TTFT (ms, lower is better),
 * accuracy (higher is better) and peak GPU memory (GB) — filtered by the user's limits, and
 * marked when it is on the Pareto front: no other run is at least as good on every figure
 * and better on one. A figure a run did not measure counts as the worst possible for it.
 */
import { QUALITY_TASKS } from "../quality/tasks/registry.js";

export interface Candidate {
  id: string;
  model: string;
  engine: string;
  throughput: number | null;
  latencyMs: number | null;
  accuracy: number | null;
  vramGb: number | null;
}

export interface RecommendFilters {
  maxVramGb?: number;
  minThroughput?: number;
  minAccuracy?: number;
  maxLatencyMs?: number;
}

/** Where each figure is read from, first match wins (stored metric names are `<test>.<metric>`). */
const THROUGHPUT_KEYS = [/^serve\.output_throughput$/, /\.output_throughput$/, /^throughput\.avg_tps$/];
const LATENCY_KEYS = [/^serve\.median_ttft_ms$/, /^latency\.ttft_ms\.p50$/, /^throughput\.p50_ttft_ms$/, /\.median_ttft_ms$/];
const VRAM_KEYS = [/^memory_usage\.overall_peak_gpu_memory_gb$/];

function first(metrics: Record<string, number>, patterns: readonly RegExp[]): number | null {
  for (const pattern of patterns) {
    const key = Object.keys(metrics).sort().find((name) => pattern.test(name));
    if (key !== undefined) return metrics[key] ?? null;
  }
  return null;
}

/** Longest names first, so that `truthfulqa_gen_…` is not read as a `truthfulqa` test. */
const TASKS_LONGEST_FIRST = [...QUALITY_TASKS].sort((a, b) => b.name.length - a.name.length);

/** Each quality test's accuracy: its task's first accuracy metric that the run stored. */
function qualityAccuracies(metrics: Record<string, number>): number[] {
  const tests = new Set(Object.keys(metrics).map((name) => name.slice(0, name.indexOf("."))));
  const accuracies: number[] = [];
  for (const test of tests) {
    const task = TASKS_LONGEST_FIRST.find((candidate) => test.startsWith(candidate.name));
    const metric = task?.accuracyMetrics.find((name) => metrics[`${test}.${name}`] !== undefined);
    if (metric !== undefined) accuracies.push(metrics[`${test}.${metric}`]!);
  }
  return accuracies;
}

/** The run's figures from its stored metrics; accuracy is the mean over the quality tasks it ran. */
export function candidateFrom(run: { id: string; model: string; engine: string }, metrics: Record<string, number>): Candidate {
  const accuracies = qualityAccuracies(metrics);
  return {
    ...run,
    throughput: first(metrics, THROUGHPUT_KEYS),
    latencyMs: first(metrics, LATENCY_KEYS),
    accuracy: accuracies.length > 0 ? accuracies.reduce((a, b) => a + b, 0) / accuracies.length : null,
    vramGb: first(metrics, VRAM_KEYS),
  };
}

/** A limit on a figure the run did not measure cannot be shown to hold, so the run is left out. */
export function passesFilters(c: Candidate, f: RecommendFilters): boolean {
  if (f.maxVramGb !== undefined && (c.vramGb === null || c.vramGb > f.maxVramGb)) return false;
  if (f.minThroughput !== undefined && (c.throughput === null || c.throughput < f.minThroughput)) return false;
  if (f.minAccuracy !== undefined && (c.accuracy === null || c.accuracy < f.minAccuracy)) return false;
  if (f.maxLatencyMs !== undefined && (c.latencyMs === null || c.latencyMs > f.maxLatencyMs)) return false;
  return true;
}

/** Figures as "higher is better" scores, unmeasured ones worst. */
function scores(c: Candidate): number[] {
  const worst = Number.NEGATIVE_INFINITY;
  return [c.throughput ?? worst, c.latencyMs === null ? worst : -c.latencyMs, c.accuracy ?? worst, c.vramGb === null ? worst : -c.vramGb];
}

function dominates(a: Candidate, b: Candidate): boolean {
  const sa = scores(a);
  const sb = scores(b);
  return sa.every((value, i) => value >= (sb[i] as number)) && sa.some((value, i) => value > (sb[i] as number));
}

/** The candidates that pass the filters, best throughput first, each marked when on the Pareto front. */
export function recommend(candidates: readonly Candidate[], filters: RecommendFilters): Array<Candidate & { pareto: boolean }> {
  const kept = candidates.filter((c) => passesFilters(c, filters));
  return kept
    .map((c) => ({ ...c, pareto: !kept.some((other) => other !== c && dominates(other, c)) }))
    .sort((a, b) => (b.throughput ?? -1) - (a.throughput ?? -1));
}
