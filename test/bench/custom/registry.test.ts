import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCustomTests } from "../../../src/bench/custom/registry.js";
import { loadSuiteWithCustomTests } from "../../../src/bench/custom/suite.js";
import { BUILTIN_BENCHMARKS } from "../../../src/bench/registry.js";
import { suiteTestConfigs } from "../../../src/bench/suite.js";

const test = (name: string, extra = "") => `name: ${name}\ndescription: ${name} test\n${extra}items:\n  - {prompt: p, expected: x}\n`;

/** A KITT_HOME whose tests/ folder holds the given files. */
function home(files: Record<string, string>): { env: NodeJS.ProcessEnv; dir: string; tests: string } {
  const dir = mkdtempSync(join(tmpdir(), "kitt-custom-home-"));
  const tests = join(dir, "tests");
  mkdirSync(tests);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(tests, name), text);
  return { env: { KITT_HOME: dir }, dir, tests };
}

describe("custom tests in ~/.kitt/tests", () => {
  it("join the built-in tests in one registry", async () => {
    const { env, tests } = home({ "alpha.yaml": test("alpha"), "beta.yml": test("beta"), "notes.txt": "ignored" });
    const custom = await findCustomTests({ env });
    expect(custom.dir).toBe(tests);
    expect(custom.tests.map((t) => t.name)).toEqual(["alpha", "beta"]);
    expect(custom.invalid).toEqual([]);
    expect(custom.registry.get("alpha")).toMatchObject({ name: "alpha", category: "quality", description: "alpha test" });
    expect(custom.registry.get("mmlu")).toBe(BUILTIN_BENCHMARKS.get("mmlu"));
    expect(custom.registry.size).toBe(BUILTIN_BENCHMARKS.size + 2);
  });

  it("keep files that do not load aside with their error, and say a built-in name clashes", async () => {
    const { env, tests } = home({ "good.yaml": test("good"), "clash.yaml": test("gsm8k"), "broken.yaml": "name: [\n" });
    const custom = await findCustomTests({ env });
    expect(custom.tests.map((t) => t.name)).toEqual(["good"]);
    expect(custom.invalid.map((entry) => entry.error)).toEqual([
      expect.stringMatching(new RegExp(`^${join(tests, "broken.yaml")}:\\d+:\\d+ `)),
      `${join(tests, "clash.yaml")}:1:1 name: "gsm8k" is a built-in test; choose another name`,
    ]);
    expect(custom.registry.get("gsm8k")).toBe(BUILTIN_BENCHMARKS.get("gsm8k"));
  });

  it("refuse a second file with the same test name", async () => {
    const { env, tests } = home({ "a.yaml": test("same"), "b.yaml": test("same") });
    const custom = await findCustomTests({ env });
    expect(custom.tests).toHaveLength(1);
    expect(custom.invalid).toEqual([{ path: join(tests, "b.yaml"), error: `${join(tests, "b.yaml")}: test "same" is already defined by ${join(tests, "a.yaml")}`, details: [] }]);
  });

  it("are none when the folder does not exist", async () => {
    const custom = await findCustomTests({ env: { KITT_HOME: join(tmpdir(), "kitt-no-such-home-xyz") } });
    expect(custom.tests).toEqual([]);
    expect(custom.registry.size).toBe(BUILTIN_BENCHMARKS.size);
  });
});

describe("kitt run's --suite with custom tests", () => {
  it("resolves a suite file's custom test names beside built-in ones, with their settings", async () => {
    const { env, dir } = home({ "alpha.yaml": test("alpha", "sampling: {max_tokens: 12}\n") });
    writeFileSync(join(dir, "suite.yaml"), "suite_name: mine\ntests:\n  - throughput\n  - {name: alpha, limit: 1}\nsampling_overrides: {temperature: 0.2}\n");
    const { suite, registry } = await loadSuiteWithCustomTests(join(dir, "suite.yaml"), { env });
    expect(suite.tests.map((t) => t.name)).toEqual(["throughput", "alpha"]);
    expect(suiteTestConfigs(suite, registry).alpha).toMatchObject({ limit: 1, max_tokens: 12, temperature: 0.2 });
    expect(suiteTestConfigs(suite, registry).alpha).not.toHaveProperty("concurrency");
  });

  it("runs a custom test by name, or by its file, as a one-test suite", async () => {
    const { env, dir, tests } = home({ "alpha.yaml": test("alpha") });
    const byName = await loadSuiteWithCustomTests("alpha", { env });
    expect(byName.suite).toMatchObject({ suite_name: "alpha", tests: [{ name: "alpha", settings: {} }], source: join(tests, "alpha.yaml") });

    // A file elsewhere wins over the same name in the folder.
    writeFileSync(join(dir, "other.yaml"), test("alpha").replace("alpha test", "the other alpha"));
    const byPath = await loadSuiteWithCustomTests("other.yaml", { env, cwd: dir });
    expect(byPath.suite.source).toBe(join(dir, "other.yaml"));
    expect(byPath.registry.get("alpha")?.description).toBe("the other alpha");
  });

  it("reports a test file's own error when run by path", async () => {
    const { env, dir } = home({});
    writeFileSync(join(dir, "bad.yaml"), "name: bad\ndescription: d\nitems:\n  - {prompt: p}\n");
    await expect(loadSuiteWithCustomTests(join(dir, "bad.yaml"), { env })).rejects.toThrow(`${join(dir, "bad.yaml")}:4:5 items[0]: exact scoring needs one \`expected\` answer`);
  });

  it("says why a custom test a suite names does not load, instead of only 'unknown test'", async () => {
    const { env, dir, tests } = home({ "beta.yaml": "name: beta\ndescription: d\nitems: [{prompt: p, expected: x, extra: 1}]\n" });
    writeFileSync(join(dir, "suite.yaml"), "suite_name: mine\ntests: [throughput, beta]\n");
    await expect(loadSuiteWithCustomTests(join(dir, "suite.yaml"), { env })).rejects.toThrow(
      `${join(dir, "suite.yaml")}:2:21 tests[1]: unknown test "beta": custom test "beta" does not load: ${join(tests, "beta.yaml")}:3:34 items[0].extra: unknown key "extra"`,
    );
    await expect(loadSuiteWithCustomTests("beta", { env })).rejects.toThrow(/^custom test "beta" does not load: /);
  });

  it("lists custom tests among the known ones for a name nobody has", async () => {
    const { env, dir } = home({ "alpha.yaml": test("alpha") });
    writeFileSync(join(dir, "suite.yaml"), "suite_name: mine\ntests: [alhpa]\n");
    await expect(loadSuiteWithCustomTests(join(dir, "suite.yaml"), { env })).rejects.toThrow(/unknown test "alhpa"; known tests: alpha, concurrency_scaling/);
    await expect(loadSuiteWithCustomTests("alhpa", { env })).rejects.toThrow(/unknown suite "alhpa"/);
  });

  it("still loads built-in suites by name", async () => {
    const { env } = home({ "alpha.yaml": test("alpha") });
    const { suite } = await loadSuiteWithCustomTests("quick", { env });
    expect(suite.suite_name).toBe("quick");
  });
});
