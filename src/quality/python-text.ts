/** Python's `str.strip()`, `str.rstrip()` and `str.capitalize()`, which the harness's prompt code calls. */

// Python's whitespace (`str.isspace`): JavaScript's `\s` differs (it has U+FEFF, lacks \x1c–\x1f and \x85).
const WS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const STRIP = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");

const RSTRIP = new RegExp(`[${WS}]+$`);

export function pythonStrip(text: string): string {
  return text.replace(STRIP, "");
}

export function pythonRstrip(text: string): string {
  return text.replace(RSTRIP, "");
}

/** First character upper-cased, the rest lower-cased. */
export function pythonCapitalize(text: string): string {
  const [first = "", ...rest] = Array.from(text);
  return first.toUpperCase() + rest.join("").toLowerCase();
}
