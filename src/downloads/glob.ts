/**
 * Include/exclude patterns for the files of a download. A pattern with a `/` matches the whole
 * path (`onnx/**`); one without matches the file's name in any folder (`*.safetensors`), as in
 * `.gitignore`. `*` and `?` stay within one path segment, `**` spans any number of them,
 * `[abc]`/`[!abc]` are character classes and `{a,b}` alternatives.
 */
import { KittError } from "../errors.js";

export type PathFilter = (path: string) => boolean;

/** Selects a path when it matches an include (or there are none) and no exclude. */
export function pathFilter(include: readonly string[] = [], exclude: readonly string[] = []): PathFilter {
  const included = include.map(globMatcher);
  const excluded = exclude.map(globMatcher);
  return (path) => (included.length === 0 || included.some((match) => match(path))) && !excluded.some((match) => match(path));
}

export function globMatcher(pattern: string): PathFilter {
  const regex = new RegExp(`^${globSource(pattern, pattern)}$`, "u");
  if (pattern.includes("/")) return (path) => regex.test(path);
  return (path) => regex.test(path.slice(path.lastIndexOf("/") + 1));
}

function globSource(glob: string, whole: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        i += slash ? 2 : 1;
        out += slash ? "(?:[^/]*/)*" : ".*";
      } else {
        out += "[^/]*";
      }
    } else if (char === "?") {
      out += "[^/]";
    } else if (char === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) throw invalid(whole, "an unclosed [");
      const body = glob.slice(i + 1, close);
      const negated = body.startsWith("!") || body.startsWith("^");
      out += `[${negated ? "^/" : ""}${escapeClass(negated ? body.slice(1) : body)}]`;
      i = close;
    } else if (char === "{") {
      const close = glob.indexOf("}", i);
      if (close === -1) throw invalid(whole, "an unclosed {");
      out += `(?:${glob.slice(i + 1, close).split(",").map((part) => globSource(part, whole)).join("|")})`;
      i = close;
    } else {
      out += char.replace(/[.*+?^${}()|[\]\\/]/gu, "\\$&");
    }
  }
  return out;
}

function escapeClass(body: string): string {
  return body.replace(/[\]\\^]/gu, "\\$&");
}

function invalid(pattern: string, problem: string): KittError {
  return new KittError("USAGE", `invalid pattern "${pattern}": ${problem}`);
}
