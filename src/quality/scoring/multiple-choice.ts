/**
 * Log-likelihood scoring of multiple-choice documents, as lm-evaluation-harness computes it.
 * `acc`: the choice with the highest summed continuation log-likelihood is the gold one (ties go
 * to the first, like `np.argmax`). `acc_norm`: the same after dividing each log-likelihood by the
 * character length of its choice (without the leading space).
 */
import { KittError } from "../../errors.js";

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function checkLengths(loglikelihoods: readonly number[], count: number): void {
  if (loglikelihoods.length !== count || count === 0) {
    throw new KittError("BENCHMARK_FAILED", `got ${loglikelihoods.length} log-likelihoods for ${count} choices`);
  }
}

export function acc(loglikelihoods: readonly number[], gold: number): number {
  checkLengths(loglikelihoods, loglikelihoods.length);
  return argmax(loglikelihoods) === gold ? 1 : 0;
}

export function accNorm(loglikelihoods: readonly number[], choices: readonly string[], gold: number): number {
  checkLengths(loglikelihoods, choices.length);
  // Python's len() counts code points.
  return argmax(loglikelihoods.map((ll, i) => ll / Array.from(choices[i]!).length)) === gold ? 1 : 0;
}

/**
 * TruthfulQA mc2: the normalised probability mass of the true answers, Σ exp(ll[true]) / Σ exp(ll),
 * with log-sum-exp so very negative log-likelihoods do not underflow to 0/0. Every answer labelled
 * 1 is a true one, wherever it is listed, as in lm-evaluation-harness since v0.4.9 (before, only the
 * answers ahead of the first label 0 counted, which scores two of the 817 questions differently).
 */
export function mc2(loglikelihoods: readonly number[], labels: readonly number[]): number {
  checkLengths(loglikelihoods, labels.length);
  const truths = loglikelihoods.filter((_, i) => labels[i] === 1);
  if (truths.length === 0) throw new KittError("BENCHMARK_FAILED", "mc2 needs at least one true answer");
  return Math.exp(logSumExp(truths) - logSumExp(loglikelihoods));
}

export function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
}
