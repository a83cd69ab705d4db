/** `kitt test new` and `kitt test list` through the built CLI, in a temporary KITT_HOME. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runKitt, tempKittHome } from "../support/cli.js";

describe("kitt test new | list", () => {
  it("writes a template that kitt test list then shows, and refuses to overwrite it without --force", async () => {
    const home = tempKittHome();
    const env = { KITT_HOME: home };
    const file = join(home, "tests", "capitals.yaml");

    const created = await runKitt(["test", "new", "capitals", "--scoring", "choice"], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.split("\n")[0]).toBe(file);
    expect(created.stdout).toContain("kitt run -e ENGINE -m MODEL -s capitals");
    expect(readFileSync(file, "utf8")).toMatch(/^name: capitals$/m);
    expect(readFileSync(file, "utf8")).toMatch(/type: choice/);

    const again = await runKitt(["test", "new", "capitals"], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} already exists; pass --force to overwrite it`);
    expect(readFileSync(file, "utf8")).toMatch(/type: choice/); // untouched

    const forced = await runKitt(["test", "new", "capitals", "--scoring", "numeric", "--force"], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/type: numeric/);

    writeFileSync(join(home, "tests", "broken.yaml"), "name: broken\ndescription: d\nitems:\n  - prompt: p\n    expected: x\n    bogus: 1\n");
    const listed = await runKitt(["test", "list", "--json"], env);
    expect(listed.code, listed.stderr).toBe(0);
    const json = JSON.parse(listed.stdout);
    expect(json.dir).toBe(join(home, "tests"));
    expect(json.builtin).toContainEqual(expect.objectContaining({ name: "mmlu", category: "quality" }));
    expect(json.builtin).toContainEqual(expect.objectContaining({ name: "throughput", category: "performance" }));
    expect(json.custom).toEqual([
      expect.objectContaining({ name: "capitals", path: file, items: 2, scoring: ["numeric"], description: "TODO say what this test checks" }),
    ]);
    expect(json.invalid).toEqual([{ path: join(home, "tests", "broken.yaml"), error: `${join(home, "tests", "broken.yaml")}:6:5 items[0].bogus: unknown key "bogus"` }]);

    const text = await runKitt(["test", "list"], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/capitals\s+│ 2\s+│ numeric/);
    expect(text.stdout).toContain(`${join(home, "tests", "broken.yaml")}:6:5 items[0].bogus: unknown key "bogus"`);
  }, 60_000);

  it("writes elsewhere with --dir and says to run it by path", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "kitt-tests-dir-")), "mine");
    const result = await runKitt(["test", "new", "sums", "--dir", dir, "--scoring", "json_schema"], { KITT_HOME: tempKittHome() });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(dir, "sums.yaml"))).toBe(true);
    expect(result.stdout).toContain(`kitt run -e ENGINE -m MODEL -s ${join(dir, "sums.yaml")}`);
    const listed = await runKitt(["test", "list", "--json", "--dir", dir], {});
    expect(JSON.parse(listed.stdout).custom.map((test: { name: string }) => test.name)).toEqual(["sums"]);
  }, 30_000);

  it("refuses a built-in name, a name that is not snake_case and an unknown scoring type", async () => {
    const env = { KITT_HOME: tempKittHome() };
    const builtin = await runKitt(["test", "new", "gsm8k"], env);
    expect(builtin.code).toBe(2);
    expect(builtin.stderr).toContain('"gsm8k" is a built-in test; choose another name');
    const badName = await runKitt(["test", "new", "My-Test"], env);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain("use snake_case");
    const badType = await runKitt(["test", "new", "ok_name", "--scoring", "fuzzy"], env);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/--scoring.*fuzzy/);
  }, 30_000);

  it("lists no custom tests when there is no tests folder", async () => {
    const result = await runKitt(["test", "list"], { KITT_HOME: tempKittHome() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("No custom tests in");
    expect(result.stdout).toMatch(/mmlu\s+│ quality/);
  }, 30_000);
});
