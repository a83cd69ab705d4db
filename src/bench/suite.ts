/**
 * Suites: which tests to run, how often, and with which settings. Built-in suites are
 * `configs/suites/<name>.yaml`; any other `.yaml` path works too. Loading validates
 * everything a run would trip on later (unknown tests, misspelt settings, wrong types) and
 * reports it as `<file>:<line>:<col>`.
 *
 * A test's settings, lowest precedence first: the benchmark's defaults, `global_config`,
 * `sampling_overrides`, `test_overrides.<test>`, settings written on the test's entry in
 * `tests:`, then settings given on the command line (`kitt run --limit 50`).
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { builtinSuiteNames, builtinSuitesDir } from "../config/suite-files.js";
import { mergeSettings, type Settings } from "../config/suite-merge.js";
import { suiteFileSchema, type SamplingConfig } from "../config/suite-schema.js";
import { configError, valueAt, yamlSyntaxError, type LocatedIssue, type YamlPath } from "../config/suite-yaml-errors.js";
import { KittError } from "../errors.js";
import { BUILTIN_BENCHMARKS, getBenchmark, knownTests, type BenchmarkRegistry } from "./registry.js";
import type { Benchmark } from "./types.js";

export interface SuiteTest {
  name: string;
  /** How often this test runs, where its entry sets it apart from the suite's `runs`. */
  runs?: number;
  /** Settings written on the test's own entry in `tests:`. */
  settings: Settings;
}

export interface Suite {
  suite_name: string;
  version: string;
  description?: string;
  tests: SuiteTest[];
  runs: number;
  global_config: Settings;
  sampling_overrides: SamplingConfig;
  test_overrides: Record<string, Settings>;
  /** Absolute path of the file the suite was read from. */
  source: string;
  /** Settings from the command line, above every layer of the file; each test takes the keys it has. */
  command_line?: Settings;
}

export interface LoadSuiteOptions {
  registry?: BenchmarkRegistry;
  /** Directory relative suite paths are resolved against; the process's by default. */
  cwd?: string;
}

/** A built-in suite by name (`quick`), or a suite file by path (`./mine.yaml`). */
export async function loadSuite(nameOrPath: string, options: LoadSuiteOptions = {}): Promise<Suite> {
  const file = suiteFilePath(nameOrPath, options.cwd ?? process.cwd());
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new KittError("NOT_FOUND", `suite file not found: ${file}`);
    throw error;
  }
  return parseSuite(text, file, options.registry);
}

function suiteFilePath(nameOrPath: string, cwd: string): string {
  if (/[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath)) return resolve(cwd, nameOrPath);
  const names = builtinSuiteNames();
  if (!names.includes(nameOrPath)) {
    throw new KittError(
      "NOT_FOUND",
      `unknown suite "${nameOrPath}"; built-in suites: ${names.join(", ")} (or give the path of a .yaml file)`,
    );
  }
  return join(builtinSuitesDir(), `${nameOrPath}.yaml`);
}

/** Parses and validates suite YAML; `file` is only used in error messages and `source`. */
export function parseSuite(text: string, file: string, registry: BenchmarkRegistry = BUILTIN_BENCHMARKS): Suite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxError = yamlSyntaxError(file, doc, lineCounter);
  if (syntaxError) throw syntaxError;

  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) throw new KittError("CONFIG_INVALID", `${file}:1:1 the suite file is empty`);
  const parsed = suiteFileSchema.safeParse(raw);
  if (!parsed.success) throw configError(file, doc, lineCounter, zodIssues(parsed.error.issues, undefined, raw));
  const { tests, ...rest } = parsed.data;
  const suite: Suite = {
    ...rest,
    tests: tests.map((entry) => {
      if (typeof entry === "string") return { name: entry, settings: {} };
      const { name, runs, ...settings } = entry;
      return runs === undefined ? { name, settings } : { name, runs, settings };
    }),
    source: file,
  };

  const issues = suiteIssues(suite, registry);
  if (issues.length > 0) throw configError(file, doc, lineCounter, issues);
  return suite;
}

/** Everything wrong with a schema-valid suite, given the tests kitt knows; each step assumes the one before passed. */
function suiteIssues(suite: Suite, registry: BenchmarkRegistry): LocatedIssue[] {
  const issues = testEntryIssues(suite, registry);
  if (issues.length > 0) return issues;
  const benchmarks = suite.tests.map((test) => getBenchmark(registry, test.name));
  const layers = uniqueIssues(layerIssues(suite, benchmarks));
  if (layers.length > 0) return layers;
  return benchmarks.flatMap((benchmark, index) => {
    const result = parseTestConfig(benchmark, suite);
    return result.success ? [] : prefixed(["tests", index], zodIssues(result.error.issues));
  });
}

/** Unknown or repeated tests, and bad settings written on a test's entry. */
function testEntryIssues(suite: Suite, registry: BenchmarkRegistry): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  const seen = new Set<string>();
  suite.tests.forEach((test, index) => {
    const benchmark = registry.get(test.name);
    if (benchmark === undefined) {
      issues.push({ path: ["tests", index], message: `unknown test "${test.name}"; known tests: ${knownTests(registry)}` });
    } else if (seen.has(test.name)) {
      issues.push({ path: ["tests", index], message: `test "${test.name}" is listed twice` });
    } else {
      seen.add(test.name);
      const strict = benchmark.configSchema.partial().strict();
      issues.push(...settingIssues(strict, test.settings, ["tests", index], benchmark));
    }
  });
  return issues;
}

/**
 * Problems in the suite-wide layers. `global_config` may hold settings only some tests have,
 * but each key must belong to at least one test; `test_overrides` must name tests of this
 * suite and only their settings.
 */
function layerIssues(suite: Suite, benchmarks: readonly Benchmark[]): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  const names = benchmarks.map((benchmark) => benchmark.name);
  for (const name of Object.keys(suite.test_overrides)) {
    if (!names.includes(name)) {
      issues.push({ path: ["test_overrides", name], message: `"${name}" is not a test of this suite (${names.join(", ")})` });
    }
  }
  const knownSettings = new Set(benchmarks.flatMap((benchmark) => Object.keys(benchmark.configSchema.shape)));
  for (const key of Object.keys(suite.global_config)) {
    if (!knownSettings.has(key)) {
      issues.push({ path: ["global_config", key], message: `no test of this suite has a setting "${key}"` });
    }
  }
  for (const benchmark of benchmarks) {
    const loose = benchmark.configSchema.partial();
    issues.push(...settingIssues(loose, suite.global_config, ["global_config"], benchmark));
    issues.push(...settingIssues(loose, suite.sampling_overrides, ["sampling_overrides"], benchmark));
    const overrides = suite.test_overrides[benchmark.name];
    if (overrides) issues.push(...settingIssues(loose.strict(), overrides, ["test_overrides", benchmark.name], benchmark));
  }
  return issues;
}

function settingIssues(schema: z.ZodType, settings: Settings, at: YamlPath, benchmark: Benchmark): LocatedIssue[] {
  const result = schema.safeParse(settings);
  if (result.success) return [];
  const known = Object.keys(benchmark.configSchema.shape).join(", ");
  return prefixed(at, zodIssues(result.error.issues, `for test ${benchmark.name}; its settings: ${known}`));
}

/** Zod issues as located messages; `input` (when given) tells a missing key from a wrong one. */
function zodIssues(issues: readonly z.core.$ZodIssue[], unknownKeyHint?: string, input?: unknown): LocatedIssue[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      const message = unknownKeyHint ? `unknown setting "${key}" ${unknownKeyHint}` : `unknown key "${key}"`;
      return { path: [...issue.path, key], message };
    }
    if (issue.code === "invalid_type" && input !== undefined && valueAt(input, issue.path) === undefined) {
      return { path: issue.path, message: "required, but missing" };
    }
    return { path: issue.path, message: issue.message };
  });
}

function prefixed(at: YamlPath, issues: readonly LocatedIssue[]): LocatedIssue[] {
  return issues.map((issue) => ({ ...issue, path: [...at, ...issue.path] }));
}

/** The same setting can be wrong for several tests; say it once. */
function uniqueIssues(issues: readonly LocatedIssue[]): LocatedIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.map(String).join("\0")}\0${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How many times a test runs: `--runs` (`override`), else its entry's `runs`, else the suite's. */
export function testRuns(suite: Suite, test: SuiteTest, override?: number): number {
  return override ?? test.runs ?? suite.runs;
}

/** A test's settings merged in precedence order, before its benchmark validates them. */
export function resolveTestConfig(suite: Suite, testName: string, defaults: Settings): Settings {
  const entry = suite.tests.find((test) => test.name === testName);
  return mergeSettings(
    defaults,
    suite.global_config,
    suite.sampling_overrides,
    suite.test_overrides[testName] ?? {},
    entry?.settings ?? {},
    suite.command_line ?? {},
  );
}

/**
 * The suite with settings from the command line on top. Each key must be a setting of at least
 * one of the suite's tests (`--subjects` on a suite without MMLU is a mistake worth saying), and
 * every test that has it must accept the value.
 */
export function withCommandLineSettings(suite: Suite, settings: Settings, registry: BenchmarkRegistry = BUILTIN_BENCHMARKS): Suite {
  const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  if (Object.keys(given).length === 0) return suite;
  const benchmarks = suite.tests.map((test) => getBenchmark(registry, test.name));
  for (const key of Object.keys(given)) {
    if (!benchmarks.some((benchmark) => key in benchmark.configSchema.shape)) {
      throw new KittError(
        "USAGE",
        `the ${key} setting given on the command line belongs to none of suite ${suite.suite_name}'s tests (${suite.tests.map((test) => test.name).join(", ")})`,
      );
    }
  }
  const layered: Suite = { ...suite, command_line: { ...suite.command_line, ...given } };
  for (const benchmark of benchmarks) benchmarkConfig(benchmark, layered);
  return layered;
}

/** The config a benchmark runs with: its defaults plus the suite's layers, validated and typed. */
export function benchmarkConfig<Schema extends z.ZodObject>(benchmark: Benchmark<Schema>, suite: Suite): z.output<Schema> {
  const result = parseTestConfig(benchmark, suite);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(config)"}: ${issue.message}`);
    throw new KittError("CONFIG_INVALID", `${suite.source}: test ${benchmark.name}: ${problems.join("; ")}`);
  }
  return result.data;
}

function parseTestConfig<Schema extends z.ZodObject>(benchmark: Benchmark<Schema>, suite: Suite) {
  const defaults = benchmark.configSchema.parse({}) as Settings;
  return benchmark.configSchema.safeParse(resolveTestConfig(suite, benchmark.name, defaults));
}

/** Every test's final config, keyed by test name (what `config.json` records). */
export function suiteTestConfigs(suite: Suite, registry: BenchmarkRegistry = BUILTIN_BENCHMARKS): Record<string, Settings> {
  const configs: Record<string, Settings> = {};
  for (const test of suite.tests) configs[test.name] = benchmarkConfig(getBenchmark(registry, test.name), suite) as Settings;
  return configs;
}
