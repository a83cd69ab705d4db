/**
 * A JSON answer read in place, as the bytes it came in: one pass finds where the wanted values
 * sit without building the others, and only what is used is decoded and parsed (`JSON.parse` of
 * its slice). vLLM's echoed prompt log-probabilities come to about 100 kB a question (four 5-shot
 * prompts, each token with its text, log-probability and top-1 object), of which a log-likelihood
 * reads the last few tokens; decoding and parsing the answer whole built thousands of objects per
 * question and was the largest part of kitt's CPU time in a log-likelihood run.
 *
 * Working on bytes is safe because JSON's structural characters are ASCII and no byte of a
 * multi-byte UTF-8 character is. A value that is skipped is checked only for balanced brackets
 * and closed strings; a value that is used is parsed in full. Malformed JSON throws
 * `JsonScanError`.
 */

export class JsonScanError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** What each byte is to the scan: most are `OTHER`, settled by one look-up. */
const OTHER = 0;
const STRING = 1;
const SEPARATOR = 2;
const OPENING = 3;
const CLOSING = 4;
const SPACE = 5;
const KIND = new Uint8Array(256);
KIND[QUOTE] = STRING;
KIND[COMMA] = SEPARATOR;
KIND[OPEN_BRACKET] = KIND[OPEN_BRACE] = OPENING;
KIND[CLOSE_BRACKET] = KIND[CLOSE_BRACE] = CLOSING;
for (const space of [0x20, 0x0a, 0x0d, 0x09]) KIND[space] = SPACE;

/** An array's elements, parsed one at a time on demand. */
export class JsonArraySpans {
  /** `bounds` holds the '[', then each ',' between elements and the ']' (only the '[' when empty). */
  constructor(
    private readonly bytes: Buffer,
    private readonly bounds: readonly number[],
  ) {}

  get length(): number {
    return this.bounds.length - 1;
  }

  /** Element `index`, parsed. */
  parse(index: number): unknown {
    if (!(index >= 0 && index < this.length)) throw new RangeError(`no element ${index} in an array of ${this.length}`);
    return parseSlice(this.bytes, this.bounds[index]! + 1, this.bounds[index + 1]!);
  }
}

function parseSlice(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString("utf8", start, end)) as unknown;
  } catch (error) {
    throw new JsonScanError(`${(error as Error).message} (in the value at byte ${start})`);
  }
}

/**
 * Positions are byte offsets; a value's position is its first byte. A visitor (`object`,
 * `elements`) given a value's position returns where that value ends when it read the value
 * itself, or undefined to have it skipped.
 */
export class JsonScanner {
  constructor(readonly bytes: Buffer) {}

  /** Where the answer's one value starts. */
  start(): number {
    const at = this.space(0);
    if (at >= this.bytes.length) throw new JsonScanError("the answer is empty");
    return at;
  }

  /** Checks that nothing but whitespace follows the value that ended at `end`. */
  finish(end: number): void {
    const at = this.space(end);
    if (at < this.bytes.length) throw this.error("unexpected text after the value", at);
  }

  isObject(at: number): boolean {
    return this.bytes[at] === OPEN_BRACE;
  }

  isArray(at: number): boolean {
    return this.bytes[at] === OPEN_BRACKET;
  }

  /** Reads the object at `at`, member by member (a repeated key is visited each time); returns where it ends. */
  object(at: number, member: (key: string, at: number) => number | undefined): number {
    const bytes = this.bytes;
    if (bytes[at] !== OPEN_BRACE) throw this.error("expected an object", at);
    let i = this.space(at + 1);
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (bytes[i] !== QUOTE) throw this.error("expected a key", i);
      const close = this.stringClose(i);
      const raw = bytes.toString("utf8", i + 1, close);
      const key = raw.includes("\\") ? (parseSlice(bytes, i, close + 1) as string) : raw;
      const colon = this.space(close + 1);
      if (bytes[colon] !== COLON) throw this.error("expected ':'", colon);
      const value = this.space(colon + 1);
      i = this.space(member(key, value) ?? this.skip(value));
      const next = bytes[i];
      if (next === CLOSE_BRACE) return i + 1;
      if (next !== COMMA) throw this.error("expected ',' or '}'", i);
      i = this.space(i + 1);
    }
  }

  /** Reads the array at `at`, element by element; returns where it ends. */
  elements(at: number, element: (at: number) => number | undefined): number {
    const bytes = this.bytes;
    if (bytes[at] !== OPEN_BRACKET) throw this.error("expected an array", at);
    let i = this.space(at + 1);
    if (bytes[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      i = this.space(element(i) ?? this.skip(i));
      const next = bytes[i];
      if (next === CLOSE_BRACKET) return i + 1;
      if (next !== COMMA) throw this.error("expected ',' or ']'", i);
      i = this.space(i + 1);
    }
  }

  /** The array at `at` as element spans, found in one pass; and where it ends. */
  arraySpans(at: number): { spans: JsonArraySpans; end: number } {
    const bytes = this.bytes;
    if (bytes[at] !== OPEN_BRACKET) throw this.error("expected an array", at);
    const bounds = [at];
    let depth = 0;
    // Whether the element being read has a character of its own yet: `[,` and `1,,2` are not JSON.
    let filled = false;
    for (let i = at + 1, length = bytes.length; i < length; i++) {
      const kind = KIND[bytes[i]!];
      if (kind === OTHER) {
        filled = true;
      } else if (kind === STRING) {
        i = this.stringClose(i);
        filled = true;
      } else if (kind === SEPARATOR) {
        if (depth > 0) continue;
        if (!filled) throw this.error("an array element is missing", i);
        bounds.push(i);
        filled = false;
      } else if (kind === OPENING) {
        depth++;
        filled = true;
      } else if (kind === CLOSING) {
        if (depth-- > 0) continue;
        if (bytes[i] !== CLOSE_BRACKET) throw this.error("expected ',' or ']'", i);
        if (filled) bounds.push(i);
        else if (bounds.length > 1) throw this.error("an array element is missing", i);
        return { spans: new JsonArraySpans(bytes, bounds), end: i + 1 };
      }
    }
    throw this.error("the text ends inside an array", at);
  }

  /** Where the value at `at` ends. */
  skip(at: number): number {
    const bytes = this.bytes;
    const first = bytes[at];
    if (first === QUOTE) return this.stringClose(at) + 1;
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0;
      for (let i = at, length = bytes.length; i < length; i++) {
        const kind = KIND[bytes[i]!];
        if (kind === OTHER || kind === SEPARATOR || kind === SPACE) continue;
        if (kind === STRING) i = this.stringClose(i);
        else if (kind === OPENING) depth++;
        else if (--depth === 0) return i + 1;
      }
      throw this.error("the text ends inside a value", at);
    }
    let end = at;
    for (let length = bytes.length; end < length; end++) {
      const code = bytes[end]!;
      if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) break;
    }
    if (end === at) throw this.error("expected a value", at);
    return end;
  }

  /** The value at `at` parsed; and where it ends. */
  value(at: number): { value: unknown; end: number } {
    const end = this.skip(at);
    return { value: parseSlice(this.bytes, at, end), end };
  }

  /** Where the string opened at `at` closes: the first quote not escaped by a backslash. */
  private stringClose(at: number): number {
    const bytes = this.bytes;
    for (let i = at + 1, length = bytes.length; i < length; i++) {
      const code = bytes[i];
      if (code === QUOTE) return i;
      if (code === BACKSLASH) i++;
    }
    throw this.error("the text ends inside a string", at);
  }

  private space(at: number): number {
    const bytes = this.bytes;
    while (at < bytes.length && isSpace(bytes[at]!)) at++;
    return at;
  }

  private error(message: string, at: number): JsonScanError {
    return new JsonScanError(`${message} at byte ${at}`);
  }
}
