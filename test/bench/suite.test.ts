import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BUILTIN_BENCHMARKS, createRegistry } from "../../src/bench/registry.js";
import {
  benchmarkConfig,
  loadSuite,
  parseSuite,
  resolveTestConfig,
  suiteTestConfigs,
  testRuns,
  withCommandLineSettings,
} from "../../src/bench/suite.js";
import { throughputBenchmark } from "../../src/bench/throughput.js";
import type { Benchmark } from "../../src/bench/types.js";
import { builtinSuiteNames } from "../../src/config/suite-files.js";
import { baseTestConfigSchema } from "../../src/config/suite-schema.js";
import { KittError } from "../../src/errors.js";

/** A second benchmark with nested settings, to exercise merging across tests. */
const recallSchema = baseTestConfigSchema.extend({
  max_tokens: z.number().int().positive().default(64),
  dataset: z.object({ source: z.string().default("builtin"), sample_size: z.number().int().default(100) }).default({
    source: "builtin",
    sample_size: 100,
  }),
});
const recall: Benchmark<typeof recallSchema> = {
  name: "recall",
  category: "quality",
  version: "0.1.0",
  description: "test double",
  configSchema: recallSchema,
  headlineMetrics: [],
  run: () => Promise.resolve({ metrics: {}, errors: [], warmupTimes: [], passed: true }),
};
const registry = createRegistry([throughputBenchmark, recall]);

function parse(yaml: string) {
  return parseSuite(yaml, "suite.yaml", registry);
}

function parseError(yaml: string): KittError {
  try {
    parse(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(KittError);
    expect((error as KittError).code).toBe("CONFIG_INVALID");
    return error as KittError;
  }
  throw new Error("expected the suite to be rejected");
}

describe("built-in suites", () => {
  it("load by name, and list only registered tests", async () => {
    expect(builtinSuiteNames()).toEqual(["performance", "quality", "quick", "standard"]);
    for (const name of builtinSuiteNames()) {
      const suite = await loadSuite(name);
      expect(suite.suite_name).toBe(name);
      expect(suite.source).toBe(join(process.cwd(), "configs", "suites", `${name}.yaml`));
      for (const test of suite.tests) expect(BUILTIN_BENCHMARKS.has(test.name)).toBe(true);
    }
  });

  it("quick is one throughput run", async () => {
    const suite = await loadSuite("quick");
    expect(suite.tests).toEqual([{ name: "throughput", settings: {} }]);
    expect(suite.runs).toBe(1);
  });

  it("name the built-in suites when asked for an unknown one", async () => {
    await expect(loadSuite("nope")).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("built-in suites: performance, quality, quick, standard"),
    });
  });
});

describe("suite files by path", () => {
  it("standard runs the performance tests three times and the quality tasks once", async () => {
    const suite = await loadSuite("standard");
    const runs = Object.fromEntries(suite.tests.map((test) => [test.name, testRuns(suite, test)]));
    expect(runs).toEqual({ warmup_analysis: 3, throughput: 3, latency: 3, memory_usage: 3, mmlu: 1, gsm8k: 1, truthfulqa: 1, hellaswag: 1 });
    expect(testRuns(suite, suite.tests[4]!, 2)).toBe(2);
  });

  it("load relative to the given directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kitt-suite-"));
    await writeFile(join(dir, "mine.yaml"), "suite_name: mine\ntests: [throughput]\nruns: 2\n");
    const suite = await loadSuite("mine.yaml", { cwd: dir });
    expect(suite).toMatchObject({ suite_name: "mine", runs: 2, version: "1", source: join(dir, "mine.yaml") });
  });

  it("report a missing file", async () => {
    await expect(loadSuite("./missing.yaml")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("settings precedence", () => {
  const suite = parse(`
suite_name: layered
tests:
  - throughput
  - name: recall
    dataset: { sample_size: 5 }
global_config:
  max_tokens: 100
  iterations: 2
  warmup_iterations: 1
  dataset: { source: hub }
sampling_overrides:
  max_tokens: 200
  temperature: 0.5
test_overrides:
  throughput:
    max_tokens: 300
  recall:
    dataset: { sample_size: 50 }
`);

  it("applies defaults ← global_config ← sampling_overrides ← test_overrides ← the test's entry", () => {
    const defaults = { max_tokens: 1, temperature: 0, iterations: 1, extra: "kept" };
    expect(resolveTestConfig(suite, "throughput", defaults)).toEqual({
      max_tokens: 300,
      temperature: 0.5,
      iterations: 2,
      warmup_iterations: 1,
      dataset: { source: "hub" },
      extra: "kept",
    });
  });

  it("merges nested settings key by key", () => {
    const config = benchmarkConfig(recall, suite);
    expect(config.dataset).toEqual({ source: "hub", sample_size: 5 });
    expect(config.max_tokens).toBe(200);
  });

  it("gives each benchmark a typed config holding only its own settings", () => {
    const config = benchmarkConfig(throughputBenchmark, suite);
    expect(config).toMatchObject({ max_tokens: 300, temperature: 0.5, iterations: 2, warmup_iterations: 1 });
    expect(config).not.toHaveProperty("dataset");
    expect(suiteTestConfigs(suite, registry)).toEqual({
      throughput: config,
      recall: benchmarkConfig(recall, suite),
    });
  });

  it("puts command-line settings above every layer, for the tests that have them", () => {
    const layered = withCommandLineSettings(suite, { max_tokens: 7, dataset: { sample_size: 9 }, iterations: undefined }, registry);
    expect(benchmarkConfig(throughputBenchmark, layered)).toMatchObject({ max_tokens: 7, iterations: 2 });
    expect(benchmarkConfig(recall, layered).dataset).toEqual({ source: "hub", sample_size: 9 });
    expect(benchmarkConfig(throughputBenchmark, suite).max_tokens).toBe(300); // the suite itself is unchanged
    expect(withCommandLineSettings(suite, { iterations: undefined }, registry)).toBe(suite);
  });

  it("refuses a command-line setting no test has, or a value a test rejects", () => {
    const unknown = (() => {
      try {
        withCommandLineSettings(suite, { subjects: ["astronomy"] }, registry);
      } catch (error) {
        return error as KittError;
      }
    })();
    expect(unknown?.code).toBe("USAGE");
    expect(unknown?.message).toBe("the subjects setting given on the command line belongs to none of suite layered's tests (throughput, recall)");
    expect(() => withCommandLineSettings(suite, { max_tokens: -1 }, registry)).toThrow(/test throughput: max_tokens/);
  });

  it("accepts version numbers and fills defaults", () => {
    expect(parse("suite_name: s\nversion: 2.1\ntests: [throughput]\n")).toMatchObject({
      version: "2.1",
      runs: 1,
      global_config: {},
      sampling_overrides: {},
      test_overrides: {},
    });
  });
});

describe("invalid suites", () => {
  it("point at YAML syntax errors as file:line:col", () => {
    const error = parseError("suite_name: broken\ntests:\n  - throughput\n  - {name: recall\n");
    expect(error.message).toMatch(/^suite\.yaml:\d+:\d+ /);
  });

  it("point at schema errors", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\nruns: 0\n");
    expect(error.message).toMatch(/^suite\.yaml:3:1 runs: /);
  });

  it("point at unknown top-level keys", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\nrunz: 2\n");
    expect(error.message).toBe('suite.yaml:3:1 runz: unknown key "runz"');
  });

  it("name the known tests when a test is unknown", () => {
    const error = parseError("suite_name: s\ntests:\n  - throughput\n  - latency\n");
    expect(error.message).toBe('suite.yaml:4:5 tests[1]: unknown test "latency"; known tests: recall, throughput');
  });

  it("explain what a tests entry must be", () => {
    expect(parseError("suite_name: s\ntests:\n  - 5\n").message).toMatch(/^suite\.yaml:3:5 tests\[0\]: expected a test name/);
  });

  it("reject an empty file", () => {
    expect(parseError("# nothing\n").message).toBe("suite.yaml:1:1 the suite file is empty");
  });

  it("reject a test listed twice", () => {
    expect(parseError("suite_name: s\ntests: [throughput, throughput]\n").message).toContain("listed twice");
  });

  it("point at a misspelt setting in test_overrides and list the test's settings", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\ntest_overrides:\n  throughput:\n    max_tokns: 5\n");
    expect(error.message).toMatch(/^suite\.yaml:5:5 test_overrides\.throughput\.max_tokns: unknown setting "max_tokns"/);
    expect(error.message).toContain("max_tokens");
  });

  it("reject overrides for a test the suite does not run", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\ntest_overrides:\n  recall:\n    max_tokens: 5\n");
    expect(error.message).toBe('suite.yaml:4:3 test_overrides.recall: "recall" is not a test of this suite (throughput)');
  });

  it("reject global settings no test of the suite has", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\nglobal_config:\n  dataset: {source: hub}\n");
    expect(error.message).toBe('suite.yaml:4:3 global_config.dataset: no test of this suite has a setting "dataset"');
  });

  it("point at a wrongly typed global setting", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\nglobal_config:\n  max_tokens: many\n");
    expect(error.message).toMatch(/^suite\.yaml:4:3 global_config\.max_tokens: .*expected number/);
  });

  it("reject sampling overrides that are not sampling settings", () => {
    const error = parseError("suite_name: s\ntests: [throughput]\nsampling_overrides:\n  iterations: 3\n");
    expect(error.message).toBe('suite.yaml:4:3 sampling_overrides.iterations: unknown key "iterations"');
  });

  it("point at a bad setting on a test's entry", () => {
    const error = parseError("suite_name: s\ntests:\n  - name: throughput\n    iterations: -1\n");
    expect(error.message).toMatch(/^suite\.yaml:4:5 tests\[0\]\.iterations: /);
  });

  it("take runs on a test's entry apart from its settings, and reject a bad one", () => {
    expect(parse("suite_name: s\ntests:\n  - {name: throughput, runs: 2, max_tokens: 9}\n").tests).toEqual([
      { name: "throughput", runs: 2, settings: { max_tokens: 9 } },
    ]);
    expect(parseError("suite_name: s\ntests:\n  - {name: throughput, runs: 0}\n").message).toMatch(/^suite\.yaml:3:24 tests\[0\]\.runs: Too small/);
  });

  it("list further problems in the error's details", () => {
    const error = parseError("tests: [throughput]\nruns: 0\n");
    expect(error.message).toBe("suite.yaml:1:1 suite_name: required, but missing");
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatch(/^suite\.yaml:2:1 runs: /);
  });
});
