/**
 * lm-evaluation-harness's `exact_match` (the Hugging Face `evaluate` metric): remove each of
 * `regexesToIgnore` from prediction and reference (in order, Python `re.sub` semantics), then
 * lower-case if `ignoreCase`, then delete Python's `string.punctuation` if `ignorePunctuation`,
 * then compare.
 */
import { pythonRemove } from "./python-regex.js";

/** Python's `string.punctuation`. */
export const PYTHON_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

export interface ExactMatchOptions {
  regexesToIgnore?: readonly string[];
  ignoreCase?: boolean;
  ignorePunctuation?: boolean;
}

export function normalizeForExactMatch(text: string, options: ExactMatchOptions): string {
  let out = text;
  for (const pattern of options.regexesToIgnore ?? []) out = pythonRemove(pattern, out);
  if (options.ignoreCase) out = out.toLowerCase();
  if (options.ignorePunctuation) out = Array.from(out).filter((ch) => !PYTHON_PUNCTUATION.includes(ch)).join("");
  return out;
}

/** 1 when they match after normalising, else 0. */
export function exactMatch(prediction: string, reference: string, options: ExactMatchOptions = {}): number {
  return normalizeForExactMatch(prediction, options) === normalizeForExactMatch(reference, options) ? 1 : 0;
}
