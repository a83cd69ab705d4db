import { describe, expect, it } from "vitest";
import {
  compileScoring,
  expectedProblem,
  findChoice,
  jsonText,
  lastNumber,
  parseNumber,
  ScoringSpecError,
  scoringSpecSchema,
  type Expected,
} from "../../../src/bench/custom/scoring.js";

/** Scores one output with a spec as YAML would write it. */
function score(spec: Record<string, unknown>, output: string, expected?: Expected) {
  const parsed = scoringSpecSchema.parse(spec);
  expect(expectedProblem(parsed, expected)).toBeUndefined();
  return compileScoring(parsed).score(output, expected);
}

describe("exact", () => {
  it("strips the output and compares exactly", () => {
    expect(score({ type: "exact" }, "  Paris\n", "Paris")).toMatchObject({ passed: true });
    expect(score({ type: "exact" }, "paris", "Paris")).toEqual({ passed: false, reason: 'expected "Paris", got "paris"' });
    expect(score({ type: "exact" }, "Paris.", "Paris").passed).toBe(false);
  });

  it("ignores case and collapses whitespace only when asked", () => {
    expect(score({ type: "exact", ignore_case: true }, "PARIS", "paris").passed).toBe(true);
    expect(score({ type: "exact" }, "New   York", "New York").passed).toBe(false);
    expect(score({ type: "exact", normalize_whitespace: true }, "New \n\t York", "New York").passed).toBe(true);
  });

  it("compares numbers and booleans as their text", () => {
    expect(score({ type: "exact" }, "42", 42).passed).toBe(true);
    expect(score({ type: "exact" }, "true", true).passed).toBe(true);
  });
});

describe("regex", () => {
  it("passes when the pattern matches the output", () => {
    expect(score({ type: "regex", pattern: "\\bfox\\b" }, "the quick fox", undefined)).toEqual({ passed: true, reason: '/\\bfox\\b/ matched "fox"' });
    expect(score({ type: "regex", pattern: "\\bfox\\b" }, "the foxes", undefined).passed).toBe(false);
    expect(score({ type: "regex", pattern: "^yes$", flags: "im" }, "well\nYES\n", undefined).passed).toBe(true);
  });

  it("uses each item's expected as the pattern when the spec has none", () => {
    expect(score({ type: "regex" }, "answer: 42", "\\d+").passed).toBe(true);
    expect(score({ type: "regex" }, "answer: none", "\\d+").passed).toBe(false);
  });

  it("extracts a numbered or named group of the first match and compares it with expected", () => {
    const spec = { type: "regex", pattern: "Answer:\\s*(\\w+)", extract: 1 };
    expect(score(spec, "Answer: Mercury. Answer: Venus", "Mercury")).toEqual({ passed: true, reason: 'extracted "Mercury"' });
    expect(score(spec, "Answer: Venus", "Mercury")).toEqual({ passed: false, reason: 'expected "Mercury", extracted "Venus"' });
    expect(score(spec, "no answer here", "Mercury").reason).toMatch(/does not match the output, nothing to extract/);
    expect(score({ ...spec, ignore_case: true }, "answer: mercury", "Mercury").passed).toBe(true);
    expect(score({ type: "regex", pattern: "= (?<value>\\d+)", extract: "value" }, "x = 7", 7).passed).toBe(true);
  });

  it("says when the extracted group took no part in the match", () => {
    expect(score({ type: "regex", pattern: "(a)|(b)", extract: 1 }, "b", "a")).toEqual({ passed: false, reason: "/(a)|(b)/ matched, but group 1 took no part" });
  });

  it("refuses a pattern JavaScript cannot compile, and flags it does not know", () => {
    expect(() => compileScoring(scoringSpecSchema.parse({ type: "regex", pattern: "(" }))).toThrow(ScoringSpecError);
    expect(scoringSpecSchema.safeParse({ type: "regex", pattern: "x", flags: "g" }).success).toBe(false);
  });
});

describe("contains", () => {
  it("needs every expected substring in mode all, one in mode any", () => {
    expect(score({ type: "contains" }, "red, green and blue", ["red", "blue"]).passed).toBe(true);
    expect(score({ type: "contains" }, "red and green", ["red", "blue"])).toEqual({ passed: false, reason: 'output lacks "blue"' });
    expect(score({ type: "contains", mode: "any" }, "red and green", ["purple", "green"]).passed).toBe(true);
    expect(score({ type: "contains", mode: "any" }, "red and green", ["purple", "blue"]).passed).toBe(false);
  });

  it("is case-sensitive unless told otherwise", () => {
    expect(score({ type: "contains" }, "William Shakespeare", "shakespeare").passed).toBe(false);
    expect(score({ type: "contains", ignore_case: true }, "William Shakespeare", "shakespeare").passed).toBe(true);
  });
});

describe("numeric", () => {
  it("reads the last number, with commas, dollars and signs", () => {
    expect(lastNumber("It costs $1,234.50 in total")?.value).toBe(1234.5);
    expect(lastNumber("from 3 to -7.5")?.value).toBe(-7.5);
    expect(lastNumber("list: 1,2,3")?.value).toBe(3);
    expect(lastNumber("the answer is 42.")?.value).toBe(42);
    expect(lastNumber("pages 10-12")?.value).toBe(12);
    expect(lastNumber("no digits")).toBeUndefined();
    expect(parseNumber("-$1,000")).toBe(-1000);
    expect(parseNumber("abc")).toBeNaN();
  });

  it("passes exact values and fails others when no tolerance is given", () => {
    expect(score({ type: "numeric" }, "12 * 12 = 144", 144)).toEqual({ passed: true, reason: "144 equals 144" });
    expect(score({ type: "numeric" }, "The total is 1,234,567 people", "1,234,567").passed).toBe(true);
    expect(score({ type: "numeric" }, "It is 145", 144)).toEqual({ passed: false, reason: "145 is 1 from 144 (allowed 0)" });
    expect(score({ type: "numeric" }, "none at all", 144)).toEqual({ passed: false, reason: "no number in the output" });
  });

  it("counts an absolute tolerance's boundary as right, and just beyond it as wrong", () => {
    expect(score({ type: "numeric", tolerance: 0.5 }, "10.5", 10).passed).toBe(true);
    expect(score({ type: "numeric", tolerance: 0.5 }, "9.5", 10).passed).toBe(true);
    expect(score({ type: "numeric", tolerance: 0.5 }, "10.51", 10).passed).toBe(false);
    // 0.4 - 0.3 is 0.10000000000000003 in binary floating point; still on the boundary.
    expect(score({ type: "numeric", tolerance: 0.1 }, "0.4", 0.3).passed).toBe(true);
  });

  it("scales a relative tolerance by the expected value and takes the looser of the two", () => {
    expect(score({ type: "numeric", relative_tolerance: 0.01 }, "$2,525", 2500).passed).toBe(true);
    expect(score({ type: "numeric", relative_tolerance: 0.01 }, "2526", 2500).passed).toBe(false);
    expect(score({ type: "numeric", relative_tolerance: 0.01, tolerance: 30 }, "2526", 2500).passed).toBe(true);
  });

  it("reads the number from a pattern's group when given one", () => {
    const spec = { type: "numeric", pattern: "#### (.*)" };
    expect(score(spec, "5 apples and 7 pears\n#### 12 fruit, from 2 baskets", 12).passed).toBe(false);
    expect(score(spec, "5 apples and 7 pears\n#### $1,200", 1200).passed).toBe(true);
    expect(score(spec, "12", 12).reason).toBe("/#### (.*)/ does not match the output");
  });
});

describe("json_schema", () => {
  const schema = {
    type: "object",
    properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 }, role: { enum: ["admin", "user"] } },
    required: ["name", "age"],
  };
  const spec = { type: "json_schema", schema };

  it("passes JSON that matches the schema, bare or in a fence", () => {
    expect(score(spec, '{"name": "Ada", "age": 36}')).toEqual({ passed: true, reason: "valid JSON matching the schema" });
    expect(score(spec, 'Here you are:\n```json\n{"name": "Ada", "age": 36, "role": "user"}\n```\nAnything else?').passed).toBe(true);
    expect(score(spec, '```\n{"name": "Ada", "age": 0}\n```').passed).toBe(true);
  });

  it("fails invalid JSON, and JSON the schema rejects, saying where", () => {
    expect(score(spec, '{"name": "Ada", "age": 36').reason).toMatch(/^not JSON: /);
    expect(score(spec, 'Sure! {"name": "Ada", "age": 36}').passed).toBe(false);
    expect(score(spec, '{"name": "Ada"}').reason).toMatch(/^JSON does not match the schema at \.age: /);
    expect(score(spec, '{"name": "Ada", "age": -1}').reason).toMatch(/at \.age: Too small/);
    expect(score(spec, '{"name": "Ada", "age": 3.5}').passed).toBe(false);
    expect(score(spec, '{"name": "Ada", "age": 3, "role": "root"}').reason).toMatch(/at \.role/);
    expect(score({ type: "json_schema", schema: { type: "array", items: { type: "number" } } }, "[1, 2, \"x\"]").reason).toMatch(/at \[2\]/);
  });

  it("takes the first fence's content", () => {
    expect(jsonText("a\n```json\n[1]\n```\nb\n```json\n[2]\n```")).toBe("[1]");
    expect(jsonText("  [3]  ")).toBe("[3]");
  });

  it("refuses a schema it cannot use when the test is loaded", () => {
    expect(() => compileScoring(scoringSpecSchema.parse({ type: "json_schema", schema: { $ref: "#/definitions/missing" } }))).toThrow(/cannot be used/);
  });
});

describe("choice", () => {
  it("takes the first choice in the output as the answer, any case, whole words only", () => {
    const spec = { type: "choice", choices: ["Paris", "London", "Berlin"] };
    expect(score(spec, "I think paris, not London.", "Paris")).toEqual({ passed: true, reason: 'chose "Paris"' });
    expect(score(spec, "London, then Paris", "Paris")).toEqual({ passed: false, reason: 'expected "Paris", chose "London"' });
    expect(score(spec, "Parisian food; Berlin", "Paris").reason).toBe('expected "Paris", chose "Berlin"');
    expect(score(spec, "no idea", "Paris")).toEqual({ passed: false, reason: 'no choice found in the output (expected "Paris")' });
  });

  it("reads letter choices, not the article a", () => {
    const spec = { type: "choice", choices: ["A", "B", "C", "D"] };
    expect(score(spec, "B", "B").passed).toBe(true);
    expect(score(spec, "(c)", "C").passed).toBe(true);
    expect(score(spec, "This is a tricky one: B.", "B").passed).toBe(true);
    expect(score(spec, "The answer is A.", "A").passed).toBe(true);
    expect(score(spec, "Clearly D", "B").passed).toBe(false);
  });

  it("with letters, counts A, B… as the choices at those places, and expected may be a letter", () => {
    const spec = { type: "choice", choices: ["Paris", "London", "Berlin", "Madrid"], letters: true };
    expect(score(spec, "D) Madrid", "Madrid").passed).toBe(true);
    expect(score(spec, "Answer: b", "London").passed).toBe(true);
    expect(score(spec, "Madrid", "D").passed).toBe(true);
    expect(score(spec, "C", "D").reason).toBe('expected "Madrid", chose "Berlin"');
  });

  it("prefers the longer choice when two start at the same place", () => {
    expect(findChoice("New York City", ["New", "New York"], false)?.index).toBe(1);
  });

  it("needs expected to be one of the choices", () => {
    const spec = scoringSpecSchema.parse({ type: "choice", choices: ["yes", "no"] });
    expect(expectedProblem(spec, "maybe")).toBe('expected "maybe" is not one of the choices (yes, no)');
    expect(expectedProblem(spec, "A")).toMatch(/not one of the choices/);
    expect(expectedProblem(scoringSpecSchema.parse({ type: "choice", choices: ["yes", "no"], letters: true }), "B")).toBeUndefined();
  });
});

describe("expected answers each scoring needs", () => {
  it("names what is missing or not used", () => {
    const problem = (spec: Record<string, unknown>, expected?: Expected) => expectedProblem(scoringSpecSchema.parse(spec), expected);
    expect(problem({ type: "exact" })).toBe("exact scoring needs one `expected` answer");
    expect(problem({ type: "exact" }, ["a", "b"])).toBe("exact scoring needs one `expected` answer");
    expect(problem({ type: "numeric" }, "many")).toBe("numeric scoring needs a number as `expected`");
    expect(problem({ type: "contains" })).toMatch(/needs `expected`/);
    expect(problem({ type: "regex", pattern: "x" }, "y")).toMatch(/does not use `expected`/);
    expect(problem({ type: "regex", extract: 1 }, "y")).toBe("regex scoring with `extract` needs a `pattern`");
    expect(problem({ type: "regex" }, "(")).toMatch(/cannot be used/);
    expect(problem({ type: "json_schema", schema: {} }, "x")).toMatch(/does not use `expected`/);
  });
});
