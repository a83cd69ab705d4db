/**
 * GSM8K's filters and metric, as in lm-evaluation-harness's `gsm8k` and `gsm8k_cot` tasks:
 * strict-match takes the number after "#### " (CoT: after "The answer is "), flexible-extract the
 * last number-like run; both are then compared by `exact_match` with the task's options, which
 * also reduce a full reference answer to its final number.
 */
import { exactMatch, type ExactMatchOptions } from "../../scoring/exact-match.js";
import { regexFilter } from "../../scoring/regex-filter.js";

export const GSM8K_STRICT_PATTERN = "#### (\\-?[0-9\\.\\,]+)";
export const GSM8K_COT_STRICT_PATTERN = "The answer is (\\-?[0-9\\.\\,]+).";
export const GSM8K_FLEXIBLE_PATTERN = "(-?[$0-9.,]{2,})|(-?[0-9]+)";

export const GSM8K_EXACT_MATCH: ExactMatchOptions = {
  ignoreCase: true,
  ignorePunctuation: false,
  regexesToIgnore: [",", "\\$", "(?s).*#### ", "\\.$"],
};

export type Gsm8kFilter = "strict-match" | "flexible-extract";

export function gsm8kExtract(response: string, filter: Gsm8kFilter, cot = false): string {
  if (filter === "flexible-extract") return regexFilter(response, GSM8K_FLEXIBLE_PATTERN, -1);
  return regexFilter(response, cot ? GSM8K_COT_STRICT_PATTERN : GSM8K_STRICT_PATTERN);
}

/** exact_match (0 or 1) of a generation under one filter. */
export function scoreGsm8k(response: string, reference: string, filter: Gsm8kFilter, cot = false): number {
  return exactMatch(gsm8kExtract(response, filter, cot), reference, GSM8K_EXACT_MATCH);
}
