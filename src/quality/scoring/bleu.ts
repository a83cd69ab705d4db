/**
 * Sentence BLEU exactly as lm-evaluation-harness's `truthfulqa_gen` computes it:
 * `sacrebleu.corpus_bleu([prediction], [[reference]], smooth_method="exp", smooth_value=0.0,
 * force=False, lowercase=False, tokenize="intl", use_effective_order=False).score` — a corpus
 * of one segment with one reference, on sacrebleu's 0–100 scale.
 *
 * Followed from sacrebleu 2.x: `BLEU._preprocess_segment` (rstrip, then the tokenizer),
 * `extract_all_word_ngrams` (whitespace split, 1- to 4-grams), `_compute_segment_statistics`
 * (clipped n-gram matches) and `BLEU.compute_bleu` (brevity penalty, "exp" smoothing, `my_log`
 * flooring log 0 to −9999999999). Without the effective order, a hypothesis shorter than four
 * tokens has no 4-grams, its precision stays 0 and the score is 0.
 */
import { KittError } from "../../errors.js";
import { pythonRstrip } from "../python-text.js";

export const BLEU_MAX_ORDER = 4;

/** What sacrebleu's `BLEUScore` holds (precisions and score in percent). */
export interface BleuScore {
  score: number;
  /** Clipped n-gram matches, n = 1..4. */
  counts: number[];
  /** Hypothesis n-grams, n = 1..4. */
  totals: number[];
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
}

// sacrebleu's `TokenizerV14International` (mteval-v14's international tokenization), applied in
// order with the `regex` module's non-overlapping left-to-right `sub`, as JavaScript's global
// replace does: punctuation preceded by a non-digit, punctuation followed by a non-digit, then
// every symbol. So "3.5" and "1,000" stay whole, "U.S." becomes "U . S .", "don't" "don ' t",
// "$100" "$ 100", and — the quirk mteval-v14 has too — a number's sentence-final dot stays on it
// ("1955." is one token), since nothing follows the dot.
const INTL_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/(\P{N})(\p{P})/gu, "$1 $2 "],
  [/(\p{P})(\P{N})/gu, " $1 $2"],
  [/(\p{S})/gu, " $1 "],
];

// Python's `str.split()` with no argument: runs of `str.isspace` characters.
const PYTHON_SPACES = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PYTHON_WHITESPACE = new RegExp(`[${PYTHON_SPACES}]+`);

/** Python's `str.split()`: split on whitespace runs, no empty pieces. */
export function pythonSplit(text: string): string[] {
  return text.split(PYTHON_WHITESPACE).filter((piece) => piece.length > 0);
}

/** sacrebleu's "intl" tokenizer: the three substitutions, then `" ".join(line.split())`. */
export function intlTokenize(line: string): string {
  let text = line;
  for (const [pattern, replacement] of INTL_RULES) text = text.replace(pattern, replacement);
  return pythonSplit(text).join(" ");
}

/** Counts of every 1..maxOrder-gram (tokens joined by a space, which no token holds). */
function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, { order: number; count: number }> {
  const counts = new Map<string, { order: number; count: number }>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(" ");
      const entry = counts.get(key);
      if (entry === undefined) counts.set(key, { order: n, count: 1 });
      else entry.count++;
    }
  }
  return counts;
}

/** sacrebleu's `my_log`: log, with log 0 floored to −9999999999. */
function myLog(value: number): number {
  return value === 0 ? -9999999999 : Math.log(value);
}

/** `BLEU.compute_bleu` with smooth_method "exp" and no effective order. */
export function computeBleu(correct: readonly number[], total: readonly number[], sysLen: number, refLen: number, maxOrder = BLEU_MAX_ORDER): BleuScore {
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number): BleuScore => ({ score, counts: correct.slice(), totals: total.slice(), precisions, bp, sysLen, refLen });
  // "Early stop if there are no matches (#141)".
  if (!correct.some((c) => c !== 0)) return result(0);
  let smoothMteval = 1;
  for (let n = 1; n <= maxOrder; n++) {
    if (total[n - 1] === 0) break;
    if (correct[n - 1] === 0) {
      smoothMteval *= 2;
      precisions[n - 1] = 100 / (smoothMteval * total[n - 1]!);
    } else {
      precisions[n - 1] = (100 * correct[n - 1]!) / total[n - 1]!;
    }
  }
  // Python's sum(): left to right from 0.
  let logSum = 0;
  for (const p of precisions) logSum += myLog(p);
  return result(bp * Math.exp(logSum / maxOrder));
}

/** Sentence BLEU of `hypothesis` against one `reference`, as the harness's `bleu([[ref]], [pred])`. */
export function sentenceBleu(hypothesis: string, reference: string): BleuScore {
  // sacrebleu refuses an empty reference ("Empty or `None` reference sentence found.").
  if (reference === "") throw new KittError("BENCHMARK_FAILED", "BLEU needs a non-empty reference");
  const hypTokens = pythonSplit(intlTokenize(pythonRstrip(hypothesis)));
  const refTokens = pythonSplit(intlTokenize(pythonRstrip(reference)));
  const refCounts = ngramCounts(refTokens, BLEU_MAX_ORDER);
  const correct = new Array<number>(BLEU_MAX_ORDER).fill(0);
  const total = new Array<number>(BLEU_MAX_ORDER).fill(0);
  for (const [ngram, { order, count }] of ngramCounts(hypTokens, BLEU_MAX_ORDER)) {
    total[order - 1]! += count;
    const inRef = refCounts.get(ngram);
    if (inRef !== undefined) correct[order - 1]! += Math.min(count, inRef.count);
  }
  // With one reference, the closest reference length is its length.
  return computeBleu(correct, total, hypTokens.length, refTokens.length);
}

/** The harness's `bleu(refs, preds)` for one prediction and one reference: the score, 0–100. */
export function bleuScore(hypothesis: string, reference: string): number {
  return sentenceBleu(hypothesis, reference).score;
}
