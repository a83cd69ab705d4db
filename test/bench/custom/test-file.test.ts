import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_BENCHMARKS } from "../../../src/bench/registry.js";
import { SCORING_TYPES } from "../../../src/bench/custom/scoring.js";
import { testTemplate } from "../../../src/bench/custom/template.js";
import { looksLikeCustomTest, parseCustomTest, renderTemplate } from "../../../src/bench/custom/test-file.js";
import { KittError } from "../../../src/errors.js";

const FILE = "/tests/t.yaml";

function errorOf(text: string, file = FILE): KittError {
  try {
    parseCustomTest(text, file, { reserved: BUILTIN_BENCHMARKS });
  } catch (error) {
    expect(error).toBeInstanceOf(KittError);
    expect((error as KittError).code).toBe("CONFIG_INVALID");
    return error as KittError;
  }
  throw new Error("expected the test file to be refused");
}

describe("custom test files", () => {
  it("loads a file with defaults, a template and per-item scoring", () => {
    const test = parseCustomTest(
      [
        "name: capitals",
        "description: Capital cities",
        "system_prompt: One word.",
        'prompt_template: "Capital of {country}?"',
        "sampling: {max_tokens: 8, stop: \"\\n\"}",
        "scoring: {type: exact, ignore_case: true}",
        "items:",
        "  - vars: {country: France}",
        "    expected: Paris",
        "  - id: jp",
        "    vars: {country: Japan}",
        "    expected: [Tokyo]",
        "    scoring: {type: contains}",
        "  - vars: {country: Peru}",
        "    expected: LIMA",
        "    scoring: {normalize_whitespace: true}",
      ].join("\n"),
      FILE,
    );
    expect(test).toMatchObject({
      name: "capitals",
      version: "1",
      systemPrompt: "One word.",
      sampling: { temperature: 0, max_tokens: 8, stop: ["\n"] },
      scoringTypes: ["exact", "contains"],
    });
    expect(test.items.map((item) => [item.key, item.prompt])).toEqual([
      ["0", "Capital of France?"],
      ["jp", "Capital of Japan?"],
      ["2", "Capital of Peru?"],
    ]);
    // Without a type the item's scoring changes only the keys it names.
    expect(test.items[2]!.scoring.spec).toEqual({ type: "exact", ignore_case: true, normalize_whitespace: true });
    expect(test.items[2]!.scoring.score(" lima ", "LIMA").passed).toBe(true);
    expect(test.items[1]!.scoring.score("It is Tokyo.", ["Tokyo"]).passed).toBe(true);
    expect(test.contentHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("changes the content hash when an expected answer changes", () => {
    const text = (answer: string) => `name: t\ndescription: d\nitems:\n  - prompt: p\n    expected: ${answer}\n`;
    expect(parseCustomTest(text("a"), FILE).contentHash).not.toBe(parseCustomTest(text("b"), FILE).contentHash);
  });

  it("reads items_file as JSON Lines relative to the YAML, after the inline items", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-custom-"));
    writeFileSync(join(dir, "items.jsonl"), '{"prompt": "2+2?", "expected": 4}\n\n{"id": "x", "prompt": "3+3?", "expected": "6"}\n');
    const test = parseCustomTest("name: sums\ndescription: d\nscoring: {type: numeric}\nitems:\n  - {prompt: 1+1?, expected: 2}\nitems_file: items.jsonl\n", join(dir, "sums.yaml"));
    expect(test.items.map((item) => [item.key, item.prompt, item.expected])).toEqual([
      ["0", "1+1?", 2],
      ["1", "2+2?", 4],
      ["x", "3+3?", "6"],
    ]);
  });

  it("locates bad lines of items_file by their line", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-custom-"));
    writeFileSync(join(dir, "items.jsonl"), '{"prompt": "a", "expected": 1}\n{"prompt": "b", "expected": 2, "answer": 3}\nnot json\n');
    const error = errorOf("name: t\ndescription: d\nscoring: {type: numeric}\nitems_file: items.jsonl\n", join(dir, "t.yaml"));
    expect(error.message).toBe(`${join(dir, "items.jsonl")}:2:1 answer: unknown key "answer"`);
    expect(error.details[0]).toMatch(new RegExp(`items\\.jsonl:3:1 not a JSON object: `));
    const missing = errorOf("name: t\ndescription: d\nitems_file: nope.jsonl\n", join(dir, "t.yaml"));
    expect(missing.message).toMatch(/t\.yaml:3:1 items_file: .*nope\.jsonl: not found/);
    writeFileSync(join(dir, "bad-expected.jsonl"), '{"prompt": "a"}\n');
    expect(errorOf("name: t\ndescription: d\nitems_file: bad-expected.jsonl\n", join(dir, "t.yaml")).message).toBe(
      `${join(dir, "bad-expected.jsonl")}:1:1 exact scoring needs one \`expected\` answer`,
    );
  });

  it("reports schema errors as file:line:col", () => {
    expect(errorOf("name: t\ndescription: d\nitems:\n  - prompt: p\n    expectd: x\n").message).toBe(`${FILE}:5:5 items[0].expectd: unknown key "expectd"`);
    expect(errorOf("name: My Test\ndescription: d\nitems: [{prompt: p, expected: x}]\n").message).toMatch(
      new RegExp(`^${FILE}:1:1 name: a test name is snake_case`),
    );
    expect(errorOf("name: t\nitems: [{prompt: p, expected: x}]\n").message).toBe(`${FILE}:1:1 description: required, but missing`);
    expect(errorOf("name: t\ndescription: d\nscoring:\n  type: fuzzy\nitems: [{prompt: p, expected: x}]\n").message).toBe(
      `${FILE}:4:3 scoring.type: scoring type must be one of: exact, regex, contains, numeric, json_schema, choice`,
    );
    expect(errorOf("name: t\ndescription: d\nscoring:\n  type: numeric\n  tolerance: -1\nitems: [{prompt: p, expected: 1}]\n").message).toMatch(
      new RegExp(`^${FILE}:5:3 scoring.tolerance: Too small`),
    );
  });

  it("reports YAML syntax errors and empty files with a place", () => {
    expect(errorOf("name: t\ndescription: [d\n").message).toMatch(new RegExp(`^${FILE}:\\d+:\\d+ `));
    expect(errorOf("").message).toBe(`${FILE}:1:1 the test file is empty`);
  });

  it("points at the item whose expected answer does not fit its scoring", () => {
    const text = "name: t\ndescription: d\nscoring: {type: choice, choices: [yes, no]}\nitems:\n  - prompt: a\n    expected: yes\n  - prompt: b\n    expected: maybe\n";
    expect(errorOf(text).message).toBe(`${FILE}:8:5 items[1].expected: expected "maybe" is not one of the choices (yes, no)`);
    expect(errorOf("name: t\ndescription: d\nitems:\n  - prompt: a\n").message).toBe(`${FILE}:4:5 items[0]: exact scoring needs one \`expected\` answer`);
  });

  it("points at a bad pattern in the default or an item's scoring", () => {
    expect(errorOf("name: t\ndescription: d\nscoring:\n  type: regex\n  pattern: '('\nitems: [{prompt: p}]\n").message).toMatch(
      new RegExp(`^${FILE}:5:3 scoring.pattern: regex \\( cannot be used`),
    );
    expect(errorOf("name: t\ndescription: d\nitems:\n  - prompt: p\n    scoring: {type: regex, pattern: '[', extra: 1}\n").message).toBe(
      `${FILE}:5:42 items[0].scoring.extra: unknown key "extra"`,
    );
  });

  it("needs items, a prompt or template for each, and every template field", () => {
    expect(errorOf("name: t\ndescription: d\n").message).toBe(`${FILE}:1:1 a test needs \`items\` (inline) or \`items_file\` (JSON Lines beside it)`);
    expect(errorOf("name: t\ndescription: d\nitems:\n  - expected: x\n").message).toMatch(/items\[0\]: an item needs a `prompt`/);
    expect(errorOf("name: t\ndescription: d\nprompt_template: '{question} {hint}'\nitems:\n  - vars: {question: q}\n    expected: x\n").message).toBe(
      `${FILE}:5:5 items[0]: prompt_template uses {hint}, which this item does not give (its fields: question)`,
    );
  });

  it("refuses a name a built-in test has, and ids used twice", () => {
    expect(errorOf("name: mmlu\ndescription: d\nitems: [{prompt: p, expected: x}]\n").message).toBe(
      `${FILE}:1:1 name: "mmlu" is a built-in test; choose another name`,
    );
    expect(errorOf("name: t\ndescription: d\nitems:\n  - {id: a, prompt: p, expected: x}\n  - {id: a, prompt: q, expected: y}\n").message).toBe(
      `${FILE}:5:6 items[1].id: id "a" is used by another item too`,
    );
  });

  it("fills templates, keeping doubled braces literal", () => {
    expect(renderTemplate('{{"q": "{q}"}}', { q: "hi" })).toBe('{"q": "hi"}');
    const missing = new Set<string>();
    expect(renderTemplate("{a}{b}", { a: "1" }, missing)).toBe("1{b}");
    expect([...missing]).toEqual(["b"]);
  });

  it("lists choices in the prompt as {choices}", () => {
    const test = parseCustomTest(
      "name: t\ndescription: d\nprompt_template: \"{prompt}\\n{choices}\"\nscoring: {type: choice, choices: [Paris, Rome], letters: true}\nitems:\n  - {prompt: Capital of Italy?, expected: B}\n",
      FILE,
    );
    expect(test.items[0]!.prompt).toBe("Capital of Italy?\nA. Paris\nB. Rome");
  });

  it("tells a test file from a suite", () => {
    expect(looksLikeCustomTest({ name: "t", items: [] })).toBe(true);
    expect(looksLikeCustomTest({ suite_name: "s", tests: ["x"] })).toBe(false);
    expect(looksLikeCustomTest("items")).toBe(false);
  });

  for (const type of SCORING_TYPES) {
    it(`writes a ${type} template that loads as it is`, () => {
      const test = parseCustomTest(testTemplate("my_test", type), FILE, { reserved: BUILTIN_BENCHMARKS });
      expect(test.name).toBe("my_test");
      expect(test.scoringTypes[0]).toBe(type);
      expect(test.items.length).toBeGreaterThanOrEqual(2);
    });
  }
});
