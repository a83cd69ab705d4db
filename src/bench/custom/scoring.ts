/**
 * How a custom test scores one output. Six kinds, each a pure function of the output and the
 * item's expected answer, returning whether it passed and one line saying why:
 * - `exact`: the stripped output equals the expected text (optionally ignoring case, or with
 *   every run of whitespace read as one space);
 * - `regex`: the pattern matches the output; or, with `extract`, a capture group of the first
 *   match equals the expected text; with no `pattern`, the item's `expected` is the pattern;
 * - `contains`: the output holds the expected substring, or all (or any) of several;
 * - `numeric`: the last number in the output (or the number a pattern captures) is within
 *   `tolerance` (absolute) or `relative_tolerance` (of the expected value) of it; commas,
 *   `$` and a leading sign are understood; boundaries are inclusive;
 * - `json_schema`: the output (or the first ``` fence in it) parses as JSON and validates
 *   against a JSON Schema;
 * - `choice`: the first of `choices` (or, with `letters`, of their letters A, B, …) that appears
 *   in the output as a whole word, any case, is the model's answer.
 *
 * Specs are compiled once (`compileScoring`); a bad pattern or schema is a config error found
 * when the test is loaded, never mid-run.
 */
import { z } from "zod";

export const SCORING_TYPES = ["exact", "regex", "contains", "numeric", "json_schema", "choice"] as const;
export type ScoringType = (typeof SCORING_TYPES)[number];

const regexFlags = z
  .string()
  .regex(/^[imsu]*$/, { error: "flags may hold only i, m, s and u" })
  .default("");

export const scoringSpecSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("exact"),
    ignore_case: z.boolean().default(false),
    /** Every run of whitespace compares as one space. */
    normalize_whitespace: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal("regex"),
    /** JavaScript syntax; when absent, each item's `expected` is its pattern. */
    pattern: z.string().min(1).optional(),
    flags: regexFlags,
    /** Capture group (number or name) of the first match to compare with `expected`. */
    extract: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
    ignore_case: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal("contains"),
    /** With several expected substrings: must the output hold all of them, or any one? */
    mode: z.enum(["all", "any"]).default("all"),
    ignore_case: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal("numeric"),
    tolerance: z.number().min(0).default(0),
    relative_tolerance: z.number().min(0).default(0),
    /** Where the number is: the first match's group 1 (or the whole match); the last number in the output otherwise. */
    pattern: z.string().min(1).optional(),
    flags: regexFlags,
  }),
  z.strictObject({
    type: z.literal("json_schema"),
    schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]),
  }),
  z.strictObject({
    type: z.literal("choice"),
    choices: z.array(z.union([z.string().min(1), z.number()]).transform(String)).min(2),
    /** The letters A, B, … also count as answers for the choice at that position. */
    letters: z.boolean().default(false),
  }),
]);
export type ScoringSpec = z.output<typeof scoringSpecSchema>;

/** An item's expected answer, as YAML or JSON may spell it. */
export type Expected = string | number | boolean | (string | number)[];

export interface Verdict {
  passed: boolean;
  /** One line saying why. */
  reason: string;
}

export interface CompiledScoring {
  spec: ScoringSpec;
  /** `expected` has been checked against the spec by `expectedProblem`. */
  score(output: string, expected: Expected | undefined): Verdict;
}

/** Thrown for a spec that cannot be used (a bad pattern or schema); the loader locates it. */
export class ScoringSpecError extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}

export function compileScoring(spec: ScoringSpec): CompiledScoring {
  switch (spec.type) {
    case "exact":
      return { spec, score: (output, expected) => scoreExact(spec, output, String(expected)) };
    case "regex": {
      const compiled = spec.pattern === undefined ? undefined : compileRegex(spec.pattern, spec.flags, spec.ignore_case, "pattern");
      return {
        spec,
        score: (output, expected) => {
          const regex = compiled ?? compileRegex(String(expected), spec.flags, spec.ignore_case, "pattern");
          return scoreRegex(spec, regex, output, spec.extract === undefined ? undefined : String(expected));
        },
      };
    }
    case "contains":
      return { spec, score: (output, expected) => scoreContains(spec, output, expectedList(expected)) };
    case "numeric": {
      const compiled = spec.pattern === undefined ? undefined : compileRegex(spec.pattern, spec.flags, false, "pattern");
      return { spec, score: (output, expected) => scoreNumeric(spec, compiled, output, expectedNumber(expected)) };
    }
    case "json_schema": {
      let schema: z.ZodType;
      try {
        schema = z.fromJSONSchema(spec.schema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (error) {
        throw new ScoringSpecError(`this JSON Schema cannot be used: ${(error as Error).message}`, "schema");
      }
      return { spec, score: (output) => scoreJsonSchema(schema, output) };
    }
    case "choice":
      return { spec, score: (output, expected) => scoreChoice(spec, output, choiceIndex(spec, expected)) };
  }
}

/**
 * What is wrong with an item's `expected` for a scoring spec, or undefined when it fits. Checked
 * when the test is loaded.
 */
export function expectedProblem(spec: ScoringSpec, expected: Expected | undefined): string | undefined {
  const scalar = typeof expected === "string" || typeof expected === "number" || typeof expected === "boolean";
  switch (spec.type) {
    case "exact":
      return scalar ? undefined : "exact scoring needs one `expected` answer";
    case "regex":
      if (spec.pattern === undefined) {
        if (spec.extract !== undefined) return "regex scoring with `extract` needs a `pattern`";
        if (typeof expected !== "string") return "regex scoring without a `pattern` needs `expected`: the pattern the output must match";
        try {
          compileRegex(expected, spec.flags, spec.ignore_case, "expected");
        } catch (error) {
          return (error as Error).message;
        }
        return undefined;
      }
      if (spec.extract !== undefined) return scalar ? undefined : "regex scoring with `extract` needs one `expected` answer";
      return expected === undefined ? undefined : "regex scoring with a `pattern` and no `extract` does not use `expected`; remove it, or add `extract`";
    case "contains": {
      const list = expected === undefined ? [] : expectedList(expected);
      return list.length > 0 && list.every((text) => text !== "") ? undefined : "contains scoring needs `expected`: a substring or a list of them";
    }
    case "numeric":
      return scalar && Number.isFinite(expectedNumber(expected)) ? undefined : "numeric scoring needs a number as `expected`";
    case "json_schema":
      return expected === undefined ? undefined : "json_schema scoring does not use `expected`; the schema decides";
    case "choice":
      if (!scalar) return "choice scoring needs `expected`: one of the choices";
      return choiceIndex(spec, expected) >= 0 ? undefined : `expected "${String(expected)}" is not one of the choices (${spec.choices.join(", ")})`;
  }
}

// exact

function scoreExact(spec: Extract<ScoringSpec, { type: "exact" }>, output: string, expected: string): Verdict {
  const normalize = (text: string) => {
    let value = text.trim();
    if (spec.normalize_whitespace) value = value.replace(/\s+/g, " ");
    if (spec.ignore_case) value = value.toLowerCase();
    return value;
  };
  if (normalize(output) === normalize(expected)) return { passed: true, reason: `output equals ${quote(expected.trim())}` };
  return { passed: false, reason: `expected ${quote(expected.trim())}, got ${quote(output.trim())}` };
}

// regex

export function compileRegex(pattern: string, flags: string, ignoreCase: boolean, key: string): RegExp {
  const all = ignoreCase && !flags.includes("i") ? `${flags}i` : flags;
  try {
    return new RegExp(pattern, all);
  } catch (error) {
    throw new ScoringSpecError(`regex ${pattern} cannot be used: ${(error as Error).message}`, key);
  }
}

function scoreRegex(spec: Extract<ScoringSpec, { type: "regex" }>, regex: RegExp, output: string, expected: string | undefined): Verdict {
  const match = regex.exec(output);
  if (spec.extract === undefined) {
    return match ? { passed: true, reason: `/${regex.source}/ matched ${quote(match[0])}` } : { passed: false, reason: `/${regex.source}/ does not match the output` };
  }
  if (!match) return { passed: false, reason: `/${regex.source}/ does not match the output, nothing to extract` };
  const group = typeof spec.extract === "number" ? match[spec.extract] : match.groups?.[spec.extract];
  if (group === undefined) return { passed: false, reason: `/${regex.source}/ matched, but group ${spec.extract} took no part` };
  const same = spec.ignore_case ? group.trim().toLowerCase() === expected!.trim().toLowerCase() : group.trim() === expected!.trim();
  return same
    ? { passed: true, reason: `extracted ${quote(group.trim())}` }
    : { passed: false, reason: `expected ${quote(expected!.trim())}, extracted ${quote(group.trim())}` };
}

// contains

function expectedList(expected: Expected | undefined): string[] {
  if (expected === undefined) return [];
  return (Array.isArray(expected) ? expected : [expected]).map(String);
}

function scoreContains(spec: Extract<ScoringSpec, { type: "contains" }>, output: string, expected: string[]): Verdict {
  const haystack = spec.ignore_case ? output.toLowerCase() : output;
  const found = expected.filter((text) => haystack.includes(spec.ignore_case ? text.toLowerCase() : text));
  const missing = expected.filter((text) => !found.includes(text));
  const passed = spec.mode === "all" ? missing.length === 0 : found.length > 0;
  if (passed) return { passed, reason: `output contains ${found.map(quote).join(", ")}` };
  return { passed, reason: spec.mode === "all" ? `output lacks ${missing.map(quote).join(", ")}` : `output contains none of ${expected.map(quote).join(", ")}` };
}

// numeric

/** A number as people write it: sign, `$`, thousands commas, decimals, exponent. A sign glued to a word or digit is a hyphen. */
const NUMBER = /(?:(?<![\w.])[-+\u2212])?\$?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/g;

/** The value of one number as written (`-$1,234.50` is −1234.5); NaN when it is not one. */
export function parseNumber(text: string): number {
  const cleaned = text.trim().replace(/\u2212/g, "-").replace(/[$,\s]/g, "");
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

/** The last number written in a text, or undefined when there is none. */
export function lastNumber(text: string): { text: string; value: number } | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(NUMBER)) last = match[0];
  return last === undefined ? undefined : { text: last, value: parseNumber(last) };
}

function expectedNumber(expected: Expected | undefined): number {
  if (typeof expected === "number") return expected;
  if (typeof expected === "string") return parseNumber(expected);
  return Number.NaN;
}

function scoreNumeric(spec: Extract<ScoringSpec, { type: "numeric" }>, pattern: RegExp | undefined, output: string, expected: number): Verdict {
  let where = output;
  if (pattern !== undefined) {
    const match = pattern.exec(output);
    if (!match) return { passed: false, reason: `/${pattern.source}/ does not match the output` };
    where = match[1] ?? match[0];
  }
  const found = lastNumber(where);
  if (found === undefined) return { passed: false, reason: pattern ? `no number in ${quote(where)}` : "no number in the output" };
  const difference = Math.abs(found.value - expected);
  const allowed = Math.max(spec.tolerance, spec.relative_tolerance * Math.abs(expected));
  // Inclusive boundaries, with room for binary rounding (0.4 − 0.3 is 0.10000000000000003).
  const passed = difference <= allowed + 1e-12 * Math.max(1, Math.abs(expected));
  const within = allowed === 0 ? `equals ${expected}` : `is within ${allowed} of ${expected}`;
  return passed ? { passed, reason: `${found.value} ${within}` } : { passed, reason: `${found.value} is ${difference} from ${expected} (allowed ${allowed})` };
}

// json_schema

/** The JSON text of an output: the first ``` fence's content when there is one, else the whole output. */
export function jsonText(output: string): string {
  const fence = /```[ \t]*(?:json)?[ \t]*\r?\n?([\s\S]*?)```/i.exec(output);
  return (fence ? fence[1]! : output).trim();
}

function scoreJsonSchema(schema: z.ZodType, output: string): Verdict {
  let value: unknown;
  try {
    value = JSON.parse(jsonText(output));
  } catch (error) {
    return { passed: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = schema.safeParse(value);
  if (result.success) return { passed: true, reason: "valid JSON matching the schema" };
  const issue = result.error.issues[0]!;
  const at = issue.path.length === 0 ? "" : ` at ${issue.path.map((segment) => (typeof segment === "number" ? `[${segment}]` : `.${String(segment)}`)).join("")}`;
  return { passed: false, reason: `JSON does not match the schema${at}: ${issue.message}` };
}

// choice

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function choiceIndex(spec: Extract<ScoringSpec, { type: "choice" }>, expected: Expected | undefined): number {
  if (typeof expected !== "string" && typeof expected !== "number") return -1;
  const wanted = String(expected).trim().toLowerCase();
  const byText = spec.choices.findIndex((choice) => choice.trim().toLowerCase() === wanted);
  if (byText >= 0 || !spec.letters) return byText;
  const letter = LETTERS.indexOf(wanted.toUpperCase());
  return wanted.length === 1 && letter >= 0 && letter < spec.choices.length ? letter : -1;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Where the model first gave an answer: the earliest whole-word occurrence (any case) of a
 * choice (or its letter), the longer one on a tie. "a" and "I" followed by a lower-case word are
 * read as the article and the pronoun, not as answers ("a cat" is not choice A; "A." and
 * "answer: a" are).
 */
export function findChoice(output: string, choices: readonly string[], letters: boolean): { index: number; text: string } | undefined {
  const candidates = choices.map((choice, index) => ({ index, text: choice.trim() }));
  if (letters) choices.forEach((_, index) => candidates.push({ index, text: LETTERS[index] ?? "" }));
  let best: { index: number; text: string; at: number } | undefined;
  for (const candidate of candidates) {
    if (candidate.text === "") continue;
    const regex = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegex(candidate.text)}(?![\\p{L}\\p{N}])`, "giu");
    for (const match of output.matchAll(regex)) {
      if (/^[aAiI]$/.test(match[0]) && /^\s+\p{Ll}/u.test(output.slice(match.index + 1))) continue;
      const at = match.index;
      if (best === undefined || at < best.at || (at === best.at && match[0].length > best.text.length)) best = { ...candidate, text: match[0], at };
      break;
    }
  }
  return best && { index: best.index, text: best.text };
}

function scoreChoice(spec: Extract<ScoringSpec, { type: "choice" }>, output: string, expected: number): Verdict {
  const found = findChoice(output, spec.choices, spec.letters);
  const want = spec.choices[expected]!;
  if (found === undefined) return { passed: false, reason: `no choice found in the output (expected ${quote(want)})` };
  const chose = spec.choices[found.index]!;
  if (found.index === expected) return { passed: true, reason: `chose ${quote(chose)}` };
  return { passed: false, reason: `expected ${quote(want)}, chose ${quote(chose)}` };
}

function quote(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(short);
}
