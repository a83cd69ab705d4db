/**
 * ROUGE-1, ROUGE-2 and ROUGE-Lsum F-measures as lm-evaluation-harness's `truthfulqa_gen`
 * computes them: `rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"])` (defaults: no
 * stemmer, `split_summaries=False`, the default tokenizer) scoring `target = ref`,
 * `prediction = completion`, both first passed through the harness's `_prepare_summary`
 * (`" . "` → `".\n"`), then `BootstrapAggregator` over that single pair — whose "mid" of one
 * score is the score itself — times 100.
 *
 * Followed from google-research's `rouge_score`: `tokenize.tokenize` (lower-case, every run of
 * characters outside [a-z0-9] to one space, split, keep tokens matching ^[a-z0-9]+$),
 * `_create_ngrams` / `_score_ngrams` (clipped overlap over max(count, 1)), `_summary_level_lcs`
 * with `_union_lcs`, `lcs_ind` and `_backtrack_norec` (which LCS the backtrack picks decides
 * the union), and `scoring.fmeasure` (0 when precision + recall is 0).
 */

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

const NON_ALPHANUMERIC = /[^a-z0-9]+/g;
const VALID_TOKEN = /^[a-z0-9]+$/;

/** rouge_score's default tokenizer without the stemmer. */
export function rougeTokenize(text: string): string[] {
  // JavaScript's and Python's default lower-casing agree on every character that lower-cases
  // to ASCII (A–Z, "İ" → "i̇", the Kelvin sign → "k"); everything else turns into a space anyway.
  return text
    .toLowerCase()
    .replace(NON_ALPHANUMERIC, " ")
    .split(/\s+/)
    .filter((token) => VALID_TOKEN.test(token));
}

/** The harness's `_prepare_summary`: a spaced full stop ends a sentence (a line, for rougeLsum). */
export function prepareSummary(summary: string): string {
  return summary.split(" . ").join(".\n");
}

export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** `_score_ngrams` over the target's and the prediction's n-grams. */
export function rougeN(targetTokens: readonly string[], predictionTokens: readonly string[], n: number): RougeScore {
  const target = ngrams(targetTokens, n);
  const prediction = ngrams(predictionTokens, n);
  let overlap = 0;
  for (const [ngram, count] of target) overlap += Math.min(count, prediction.get(ngram) ?? 0);
  const targetCount = [...target.values()].reduce((sum, c) => sum + c, 0);
  const predictionCount = [...prediction.values()].reduce((sum, c) => sum + c, 0);
  const precision = overlap / Math.max(predictionCount, 1);
  const recall = overlap / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function lcsTable(ref: readonly string[], can: readonly string[]): number[][] {
  const table = Array.from({ length: ref.length + 1 }, () => new Array<number>(can.length + 1).fill(0));
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) {
      table[i]![j] = ref[i - 1] === can[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
    }
  }
  return table;
}

/** `lcs_ind`: the reference positions of one longest common subsequence, as `_backtrack_norec` reads it out. */
export function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const table = lcsTable(ref, can);
  let i = ref.length;
  let j = can.length;
  const picked: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      picked.unshift(i - 1);
      i--;
      j--;
    } else if (table[i]![j - 1]! > table[i - 1]![j]!) {
      j--;
    } else {
      i--;
    }
  }
  return picked;
}

/** `_union_lcs`: the reference sentence's tokens at the union of its LCS positions with every candidate sentence. */
function unionLcs(ref: readonly string[], candidates: readonly (readonly string[])[]): string[] {
  const positions = new Set<number>();
  for (const candidate of candidates) for (const at of lcsIndices(ref, candidate)) positions.add(at);
  return [...positions].sort((a, b) => a - b).map((at) => ref[at]!);
}

function countTokens(sentences: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sentence of sentences) for (const token of sentence) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/** `_summary_level_lcs`: union-LCS hits per reference sentence, each token counted at most as often as both sides hold it. */
export function summaryLevelLcs(refSentences: readonly (readonly string[])[], canSentences: readonly (readonly string[])[]): RougeScore {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (refSentences.length === 0 || canSentences.length === 0) return zero;
  const m = refSentences.reduce((sum, s) => sum + s.length, 0);
  const n = canSentences.reduce((sum, s) => sum + s.length, 0);
  if (n === 0 || m === 0) return zero;
  const refCounts = countTokens(refSentences);
  const canCounts = countTokens(canSentences);
  let hits = 0;
  for (const ref of refSentences) {
    for (const token of unionLcs(ref, canSentences)) {
      if ((canCounts.get(token) ?? 0) > 0 && (refCounts.get(token) ?? 0) > 0) {
        hits++;
        canCounts.set(token, canCounts.get(token)! - 1);
        refCounts.set(token, refCounts.get(token)! - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** rougeLsum's sentences: the text split at "\n", empty pieces dropped, each tokenized. */
function sentences(text: string): string[][] {
  return text
    .split("\n")
    .filter((sentence) => sentence.length > 0)
    .map(rougeTokenize);
}

export interface RougeScores {
  rouge1: RougeScore;
  rouge2: RougeScore;
  rougeLsum: RougeScore;
}

/** `RougeScorer(["rouge1", "rouge2", "rougeLsum"]).score(target, prediction)`, with no preparation. */
export function rougeScores(target: string, prediction: string): RougeScores {
  const targetTokens = rougeTokenize(target);
  const predictionTokens = rougeTokenize(prediction);
  return {
    rouge1: rougeN(targetTokens, predictionTokens, 1),
    rouge2: rougeN(targetTokens, predictionTokens, 2),
    rougeLsum: summaryLevelLcs(sentences(target), sentences(prediction)),
  };
}

/** The harness's `rouge([ref], [completion])`: F-measures × 100 after `_prepare_summary`. */
export function harnessRouge(reference: string, completion: string): { rouge1: number; rouge2: number; rougeLsum: number } {
  const scores = rougeScores(prepareSummary(reference), prepareSummary(completion));
  return { rouge1: scores.rouge1.fmeasure * 100, rouge2: scores.rouge2.fmeasure * 100, rougeLsum: scores.rougeLsum.fmeasure * 100 };
}
