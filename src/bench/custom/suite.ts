/**
 * What `kitt run -s` accepts once custom tests exist: a built-in suite name or suite file whose
 * `tests:` may name custom tests beside built-in ones; a custom test's file; or a custom test's
 * name (when no built-in suite has it). A single test runs as a one-test suite named after it.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { builtinSuiteNames } from "../../config/suite-files.js";
import { isKittError, KittError } from "../../errors.js";
import type { BenchmarkRegistry } from "../registry.js";
import { loadSuite, type Suite } from "../suite.js";
import { findCustomTests, invalidFileFor, type CustomTests, type FindCustomTestsOptions } from "./registry.js";
import { looksLikeCustomTest, type CustomTest } from "./test-file.js";

export interface LoadedSuite {
  suite: Suite;
  /** Built-in and custom tests: what the suite's names resolve against. */
  registry: BenchmarkRegistry;
  custom: CustomTests;
}

export interface LoadRunSuiteOptions extends Omit<FindCustomTestsOptions, "extraFiles"> {
  /** Directory relative paths are resolved against; the process's by default. */
  cwd?: string;
}

export async function loadSuiteWithCustomTests(nameOrPath: string, options: LoadRunSuiteOptions = {}): Promise<LoadedSuite> {
  const cwd = options.cwd ?? process.cwd();
  const isPath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);

  if (isPath && (await isCustomTestFile(resolve(cwd, nameOrPath)))) {
    const file = resolve(cwd, nameOrPath);
    const custom = await findCustomTests({ ...options, extraFiles: [file] });
    const failed = custom.invalid.find((entry) => entry.path === file);
    if (failed) throw new KittError("CONFIG_INVALID", failed.error, { details: failed.details });
    const test = custom.tests.find((candidate) => candidate.file === file)!;
    return { suite: singleTestSuite(test), registry: custom.registry, custom };
  }

  const custom = await findCustomTests(options);
  if (!isPath && !builtinSuiteNames().includes(nameOrPath)) {
    const test = custom.tests.find((candidate) => candidate.name === nameOrPath);
    if (test) return { suite: singleTestSuite(test), registry: custom.registry, custom };
    const broken = invalidFileFor(custom, nameOrPath);
    if (broken) throw brokenTestError(nameOrPath, broken);
  }
  try {
    return { suite: await loadSuite(nameOrPath, { registry: custom.registry, cwd }), registry: custom.registry, custom };
  } catch (error) {
    // A suite naming a custom test whose file does not load: say why, not just "unknown test".
    if (isKittError(error) && error.code === "CONFIG_INVALID") {
      const unknown = /unknown test "([^"]+)"/.exec(error.message)?.[1];
      const broken = unknown === undefined ? undefined : invalidFileFor(custom, unknown);
      if (unknown !== undefined && broken) throw brokenTestError(unknown, broken, error.message);
    }
    throw error;
  }
}

function brokenTestError(name: string, broken: CustomTests["invalid"][number], context?: string): KittError {
  const lead = context === undefined ? "" : `${context.replace(/; known tests:.*$/, "")}: `;
  return new KittError("CONFIG_INVALID", `${lead}custom test "${name}" does not load: ${broken.error}`, { details: broken.details });
}

async function isCustomTestFile(file: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return false; // loadSuite reports a missing file
  }
  try {
    return looksLikeCustomTest(parseYaml(text));
  } catch {
    return false; // and YAML errors, with their place
  }
}

/** A custom test as a suite of its own. */
export function singleTestSuite(test: CustomTest): Suite {
  return {
    suite_name: test.name,
    version: test.version,
    description: test.description,
    tests: [{ name: test.name, settings: {} }],
    runs: 1,
    global_config: {},
    sampling_overrides: {},
    test_overrides: {},
    source: test.file,
  };
}
