/**
 * Python `re` patterns (as written in lm-evaluation-harness's task files) as JavaScript RegExps.
 * The differences that matter for those patterns are translated:
 * - leading inline flags `(?s)`, `(?i)`, `(?m)` become RegExp flags;
 * - `$` without MULTILINE also matches just before a final "\n" in Python: `(?=\n?$)` here;
 * - `\Z` (end of string) and `\A` (start), and `(?P<name>` named groups.
 * Compiled without the `u` flag, so identity escapes such as `\-` and `\,` mean what they do in Python.
 */
import { KittError } from "../../errors.js";

export function pythonRegex(pattern: string, global = true): RegExp {
  let flags = global ? "g" : "";
  let body = pattern;
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(body); m; m = /^\(\?([aiLmsux]+)\)/.exec(body)) {
    for (const flag of m[1]!) {
      if (flag === "s" || flag === "i" || flag === "m") {
        if (!flags.includes(flag)) flags += flag;
      } else if (flag !== "u") {
        throw new KittError("CONFIG_INVALID", `Python regex flag (?${flag}) is not supported: ${pattern}`);
      }
    }
    body = body.slice(m[0].length);
  }
  const multiline = flags.includes("m");
  let out = "";
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === "\\") {
      const next = body[i + 1] ?? "";
      i++;
      if (!inClass && next === "Z") out += "(?![\\s\\S])";
      else if (!inClass && next === "A") out += "(?<![\\s\\S])";
      else out += ch + next;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      // A "]" right after "[" or "[^" is a literal in both dialects.
      if (body[i + 1] === "^") out += body[++i];
      if (body[i + 1] === "]") out += "\\" + body[++i];
    } else if (ch === "$" && !multiline) {
      out += "(?=\\n?$)";
    } else if (body.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
    } else {
      out += ch;
    }
  }
  try {
    return new RegExp(out, flags);
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `regex ${pattern} cannot be used: ${(error as Error).message}`, { cause: error });
  }
}

/** Python's `re.sub(pattern, "", text)`. */
export function pythonRemove(pattern: string, text: string): string {
  return text.replace(pythonRegex(pattern), "");
}

/**
 * Python's `re.findall`: the whole match without groups, the group's text with one, every
 * group's text (a group that took no part is "") with several.
 */
export function pythonFindall(pattern: string, text: string): (string | string[])[] {
  const results: (string | string[])[] = [];
  for (const match of text.matchAll(pythonRegex(pattern))) {
    const groups = match.slice(1).map((group) => group ?? "");
    results.push(groups.length === 0 ? match[0] : groups.length === 1 ? groups[0]! : groups);
  }
  return results;
}
