/**
 * Custom test files: a YAML file (by default `~/.kitt/tests/<name>.yaml`) with prompts, expected
 * answers and how to score them. Loading checks everything a run would trip on later (a name
 * that clashes with a built-in test, a misspelt key, a bad pattern or schema, an item without
 * the `expected` its scoring needs, a template field an item lacks) and reports it as
 * `<file>:<line>:<col>`, as suite files do.
 *
 *     name: capitals
 *     description: Capital cities, one word.
 *     prompt_template: "What is the capital of {country}? Answer with one word."
 *     sampling: {temperature: 0, max_tokens: 16}
 *     scoring: {type: exact, ignore_case: true}
 *     items:
 *       - vars: {country: France}
 *         expected: Paris
 *       - prompt: "Spell the capital of Japan backwards."
 *         expected: oykot
 *         scoring: {type: contains}   # this item only; without a `type`, only the keys named change
 *     # items_file: capitals.jsonl    # or as well: one JSON item per line, beside this file
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import type { BenchmarkRegistry } from "../registry.js";
import { KittError } from "../../errors.js";
import { configError, valueAt, yamlSyntaxError, type LocatedIssue } from "../../config/suite-yaml-errors.js";
import {
  compileScoring,
  expectedProblem,
  ScoringSpecError,
  SCORING_TYPES,
  scoringSpecSchema,
  type CompiledScoring,
  type Expected,
  type ScoringType,
} from "./scoring.js";

export const TEST_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

const expectedSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()])).min(1)]);

const itemSchema = z.strictObject({
  /** A stable id for checkpoints and outputs; the item's position by default. */
  id: z.union([z.string().min(1), z.number()]).transform(String).optional(),
  prompt: z.string().optional(),
  /** Values for `prompt_template`'s `{field}`s. */
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  expected: expectedSchema.optional(),
  /** This item's scoring: a full spec when it names a `type`, else changes to the test's. */
  scoring: z.record(z.string(), z.unknown()).optional(),
});
type RawItem = z.output<typeof itemSchema>;

const samplingSchema = z.strictObject({
  temperature: z.number().min(0).default(0),
  max_tokens: z.number().int().positive().default(256),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1))])
    .default([])
    .transform((stop) => (typeof stop === "string" ? [stop] : stop)),
  top_p: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
});

export const customTestFileSchema = z.strictObject({
  name: z.string().regex(TEST_NAME_PATTERN, { error: "a test name is snake_case: lower-case letters, digits and _, starting with a letter" }),
  description: z.string().min(1),
  version: z.union([z.string().min(1), z.number()]).transform(String).default("1"),
  system_prompt: z.string().min(1).optional(),
  prompt_template: z.string().min(1).optional(),
  sampling: samplingSchema.prefault({}),
  scoring: scoringSpecSchema.prefault({ type: "exact" }),
  items: z.array(itemSchema).min(1).optional(),
  /** JSON Lines, relative to this file. */
  items_file: z.string().min(1).optional(),
});

export type CustomSampling = z.output<typeof samplingSchema>;

export interface CustomItem {
  key: string;
  /** The user message as sent: the template filled in, or the item's prompt. */
  prompt: string;
  expected?: Expected;
  scoring: CompiledScoring;
}

export interface CustomTest {
  name: string;
  description: string;
  version: string;
  /** Absolute path of the YAML file. */
  file: string;
  systemPrompt?: string;
  sampling: CustomSampling;
  items: CustomItem[];
  /** The scoring types its items use, in first-use order. */
  scoringTypes: ScoringType[];
  /** Hash of everything that decides the records (prompts, expected answers, scoring): part of the checkpoint identity. */
  contentHash: string;
}

export interface ParseCustomTestOptions {
  /** Names a custom test may not take: the built-in tests. */
  reserved?: BenchmarkRegistry;
}

/** Reads and validates a custom test file. */
export async function loadCustomTest(path: string, options: ParseCustomTestOptions = {}): Promise<CustomTest> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new KittError("NOT_FOUND", `test file not found: ${file}`);
    throw new KittError("CONFIG_INVALID", `cannot read test file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseCustomTest(text, file, options);
}

/** Whether parsed YAML looks like a custom test rather than a suite (it has items and no `suite_name`). */
export function looksLikeCustomTest(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return false;
  return !("suite_name" in raw) && ("items" in raw || "items_file" in raw);
}

/** Parses and validates custom test YAML; `file` (absolute) locates `items_file` and names errors. */
export function parseCustomTest(text: string, file: string, options: ParseCustomTestOptions = {}): CustomTest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxError = yamlSyntaxError(file, doc, lineCounter);
  if (syntaxError) throw syntaxError;
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) throw new KittError("CONFIG_INVALID", `${file}:1:1 the test file is empty`);
  const fail = (issues: readonly LocatedIssue[]) => configError(file, doc, lineCounter, issues);

  const parsed = customTestFileSchema.safeParse(raw);
  if (!parsed.success) throw fail(zodIssues(parsed.error.issues, raw));
  const data = parsed.data;
  if (options.reserved?.has(data.name)) {
    throw fail([{ path: ["name"], message: `"${data.name}" is a built-in test; choose another name` }]);
  }
  if (data.items === undefined && data.items_file === undefined) {
    throw fail([{ path: [], message: "a test needs `items` (inline) or `items_file` (JSON Lines beside it)" }]);
  }

  let defaultScoring: CompiledScoring;
  try {
    defaultScoring = compileScoring(data.scoring);
  } catch (error) {
    throw fail([specIssue(error, ["scoring"])]);
  }

  // Inline items are located in the YAML; items from the file by their line.
  const sources: { raw: RawItem; at: readonly PropertyKey[]; line?: number }[] = (data.items ?? []).map((item, index) => ({
    raw: item,
    at: ["items", index],
  }));
  let itemsFile: string | undefined;
  if (data.items_file !== undefined) {
    itemsFile = resolve(dirname(file), data.items_file);
    sources.push(...readItemsFile(itemsFile, file, fail));
  }

  const issues: LocatedIssue[] = [];
  const fileIssues: string[] = [];
  const items: CustomItem[] = [];
  const seenKeys = new Map<string, number>();
  sources.forEach((source, index) => {
    const report = (path: readonly PropertyKey[], message: string) => {
      if (source.line === undefined) issues.push({ path: [...source.at, ...path], message });
      else fileIssues.push(`${itemsFile}:${source.line}:1 ${path.length > 0 ? `${path.map(String).join(".")}: ` : ""}${message}`);
    };
    const item = buildItem(source.raw, index, data, defaultScoring, report);
    if (item === undefined) return;
    const earlier = seenKeys.get(item.key);
    if (earlier !== undefined) {
      report(["id"], `id "${item.key}" is used by another item too`);
      return;
    }
    seenKeys.set(item.key, index);
    items.push(item);
  });
  if (issues.length > 0) {
    const error = fail(issues);
    throw new KittError("CONFIG_INVALID", error.message, { details: [...error.details, ...fileIssues] });
  }
  if (fileIssues.length > 0) throw new KittError("CONFIG_INVALID", fileIssues[0]!, { details: fileIssues.slice(1) });
  if (items.length === 0) throw fail([{ path: ["items_file"], message: `${itemsFile} holds no items` }]);

  const scoringTypes = [...new Set(items.map((item) => item.scoring.spec.type))];
  const contentHash = createHash("sha256")
    .update(
      JSON.stringify({
        system_prompt: data.system_prompt ?? null,
        stop: data.sampling.stop,
        items: items.map((item) => [item.key, item.prompt, item.expected ?? null, item.scoring.spec]),
      }),
    )
    .digest("hex")
    .slice(0, 16);
  return {
    name: data.name,
    description: data.description,
    version: data.version,
    file,
    systemPrompt: data.system_prompt,
    sampling: data.sampling,
    items,
    scoringTypes,
    contentHash,
  };
}

type Report = (path: readonly PropertyKey[], message: string) => void;

function buildItem(
  raw: RawItem,
  index: number,
  data: z.output<typeof customTestFileSchema>,
  defaultScoring: CompiledScoring,
  report: Report,
): CustomItem | undefined {
  let scoring = defaultScoring;
  if (raw.scoring !== undefined) {
    const merged = "type" in raw.scoring ? raw.scoring : { ...data.scoring, ...raw.scoring };
    const spec = scoringSpecSchema.safeParse(merged);
    if (!spec.success) {
      for (const issue of zodIssues(spec.error.issues, merged)) report(["scoring", ...issue.path], issue.message);
      return undefined;
    }
    try {
      scoring = compileScoring(spec.data);
    } catch (error) {
      const issue = specIssue(error, []);
      report(["scoring", ...issue.path], issue.message);
      return undefined;
    }
  }
  const problem = expectedProblem(scoring.spec, raw.expected);
  if (problem !== undefined) {
    report(raw.expected === undefined ? [] : ["expected"], problem);
    return undefined;
  }
  const prompt = itemPrompt(raw, data.prompt_template, scoring, report);
  if (prompt === undefined) return undefined;
  return { key: raw.id ?? String(index), prompt, expected: raw.expected, scoring };
}

/** The item's user message: `prompt_template` filled in from the item, or its `prompt`. */
function itemPrompt(raw: RawItem, template: string | undefined, scoring: CompiledScoring, report: Report): string | undefined {
  if (template === undefined) {
    if (raw.prompt === undefined) report([], "an item needs a `prompt` (or the test a `prompt_template`)");
    return raw.prompt;
  }
  const fields: Record<string, string> = {};
  if (scoring.spec.type === "choice") {
    const { choices, letters } = scoring.spec;
    fields.choices = letters ? choices.map((choice, i) => `${"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]}. ${choice}`).join("\n") : choices.join(", ");
  }
  if (raw.prompt !== undefined) fields.prompt = raw.prompt;
  for (const [key, value] of Object.entries(raw.vars)) fields[key] = String(value);
  const missing = new Set<string>();
  const text = renderTemplate(template, fields, missing);
  if (missing.size > 0) {
    const names = [...missing].map((name) => `{${name}}`).join(", ");
    report([], `prompt_template uses ${names}, which this item does not give (its fields: ${Object.keys(fields).join(", ") || "none"})`);
    return undefined;
  }
  return text;
}

/** Fills `{field}`s; `{{` and `}}` are literal braces; names not in `fields` go to `missing`. */
export function renderTemplate(template: string, fields: Readonly<Record<string, string>>, missing = new Set<string>()): string {
  return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string | undefined) => {
    if (name === undefined) return whole[0]!;
    const value = fields[name];
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
}

function readItemsFile(
  path: string,
  testFile: string,
  fail: (issues: readonly LocatedIssue[]) => KittError,
): { raw: RawItem; at: readonly PropertyKey[]; line: number }[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (error as Error).message;
    throw fail([{ path: ["items_file"], message: `${path}: ${why} (paths are relative to ${dirname(testFile)})` }]);
  }
  const items: { raw: RawItem; at: readonly PropertyKey[]; line: number }[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      problems.push(`${path}:${line}:1 not a JSON object: ${(error as Error).message}`);
      return;
    }
    const parsed = itemSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of zodIssues(parsed.error.issues, value)) {
        problems.push(`${path}:${line}:1 ${issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : ""}${issue.message}`);
      }
      return;
    }
    items.push({ raw: parsed.data, at: [], line });
  });
  if (problems.length > 0) throw new KittError("CONFIG_INVALID", problems[0]!, { details: problems.slice(1) });
  return items;
}

function specIssue(error: unknown, at: readonly PropertyKey[]): LocatedIssue {
  if (error instanceof ScoringSpecError) return { path: [...at, error.key], message: error.message };
  throw error;
}

/** Zod issues as located messages; `input` tells a missing key from a wrong one. */
function zodIssues(issues: readonly z.core.$ZodIssue[], input: unknown): LocatedIssue[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      return { path: [...issue.path, key], message: `unknown key "${key}"` };
    }
    if (issue.code === "invalid_union" && issue.path.at(-1) === "type") {
      return { path: issue.path, message: `scoring type must be one of: ${SCORING_TYPE_LIST}` };
    }
    if (issue.code === "invalid_type" && valueAt(input, issue.path) === undefined) {
      return { path: issue.path, message: "required, but missing" };
    }
    return { path: issue.path, message: issue.message };
  });
}

const SCORING_TYPE_LIST = SCORING_TYPES.join(", ");
