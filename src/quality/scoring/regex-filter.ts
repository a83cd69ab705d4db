/**
 * lm-evaluation-harness's `regex` filter: `re.findall`, then the match at `groupSelect`
 * (negative counts from the end); several groups → the first non-empty one; nothing → the
 * fallback "[invalid]". The result is stripped.
 */
import { pythonStrip } from "../python-text.js";
import { pythonFindall } from "./python-regex.js";

export const INVALID = "[invalid]";

export function regexFilter(response: string, pattern: string, groupSelect = 0, fallback = INVALID): string {
  const matches = pythonFindall(pattern, response);
  if (matches.length === 0) return fallback;
  const match = matches.at(groupSelect);
  // Python raises IndexError here; the harness never selects past the matches it found.
  if (match === undefined) return fallback;
  if (typeof match === "string") return pythonStrip(match);
  const first = match.find((group) => group !== "");
  return first === undefined ? fallback : pythonStrip(first);
}
