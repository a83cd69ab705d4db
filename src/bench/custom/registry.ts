/**
 * Custom tests found in `$KITT_HOME/tests/*.yaml` (`~/.kitt/tests`), and the registry they make
 * with the built-in tests. A file that cannot be loaded is kept aside with its error, so one bad
 * file neither hides the others nor stops a run that does not use it.
 */
import { readdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { testsDir } from "../../config/paths.js";
import { describeError, isKittError } from "../../errors.js";
import { BUILTIN_BENCHMARKS, createRegistry, type BenchmarkRegistry } from "../registry.js";
import type { Benchmark } from "../types.js";
import { customBenchmark } from "./benchmark.js";
import { loadCustomTest, type CustomTest } from "./test-file.js";

export interface InvalidCustomTest {
  /** Absolute path of the file. */
  path: string;
  /** The first problem, one line (`file:line:col message`). */
  error: string;
  details: readonly string[];
}

export interface CustomTests {
  /** The folder searched. */
  dir: string;
  tests: CustomTest[];
  invalid: InvalidCustomTest[];
  /** The built-in tests and every valid custom test. */
  registry: BenchmarkRegistry;
}

export interface FindCustomTestsOptions {
  env?: NodeJS.ProcessEnv;
  /** Search here instead of `$KITT_HOME/tests`. */
  dir?: string;
  builtins?: BenchmarkRegistry;
  /** Test files given explicitly (e.g. `kitt run -s path/to/test.yaml`); they win over a same-named file in the folder. */
  extraFiles?: readonly string[];
}

export function isTestFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !name.startsWith(".");
}

export async function findCustomTests(options: FindCustomTestsOptions = {}): Promise<CustomTests> {
  const env = options.env ?? process.env;
  const dir = resolve(options.dir ?? testsDir(env));
  const builtins = options.builtins ?? BUILTIN_BENCHMARKS;
  let names: string[] = [];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && isTestFileName(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const extra = (options.extraFiles ?? []).map((file) => resolve(file));
  const files = [...names.map((name) => join(dir, name)).filter((file) => !extra.includes(file)), ...extra];

  const byName = new Map<string, CustomTest>();
  const invalid: InvalidCustomTest[] = [];
  for (const file of files) {
    let test: CustomTest;
    try {
      test = await loadCustomTest(file, { reserved: builtins });
    } catch (error) {
      if (!isKittError(error)) throw error;
      invalid.push({ path: file, error: describeError(error), details: error.details });
      continue;
    }
    const earlier = byName.get(test.name);
    if (earlier !== undefined && extra.includes(file)) {
      byName.delete(test.name);
    } else if (earlier !== undefined) {
      invalid.push({ path: file, error: `${file}: test "${test.name}" is already defined by ${earlier.file}`, details: [] });
      continue;
    }
    byName.set(test.name, test);
  }
  const tests = [...byName.values()];
  const registry = createRegistry([
    ...builtins.values(),
    ...tests.map((test) => customBenchmark(test, { env }) as unknown as Benchmark),
  ]);
  return { dir, tests, invalid, registry };
}

/** The unloadable file a missing test name probably meant (`<name>.yaml`), if any. */
export function invalidFileFor(custom: Pick<CustomTests, "invalid">, name: string): InvalidCustomTest | undefined {
  return custom.invalid.find((entry) => basename(entry.path).replace(/\.ya?ml$/i, "") === name);
}
