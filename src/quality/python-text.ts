/** Python's `str.strip()`, `str.rstrip()` and `str.capitalize()`, which the harness's prompt code calls. */

/**
 * Python's whitespace (`str.isspace`): JavaScript's `\s` differs (it has U+FEFF, lacks \x1c–\x1f
 * and \x85). Looked at from each end only: a regular expression anchored at the end tries every
 * position of a 5-shot prompt.
 */
function isPythonSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

export function pythonStrip(text: string): string {
  let start = 0;
  while (start < text.length && isPythonSpace(text.charCodeAt(start))) start++;
  return pythonRstrip(text.slice(start));
}

export function pythonRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPythonSpace(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** First character upper-cased, the rest lower-cased. */
export function pythonCapitalize(text: string): string {
  const [first = "", ...rest] = Array.from(text);
  return first.toUpperCase() + rest.join("").toLowerCase();
}
