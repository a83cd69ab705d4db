import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kittBin } from "../support/cli.js";

// `npx kitt` runs dist/cli/bin.js directly; tsc writes it without the execute bit, and
// `npm ci` links bins before `prepare` builds, so the build itself must set the mode.
describe("the built kitt command", () => {
  it("is executable and runs through its shebang", () => {
    expect(statSync(kittBin).mode & 0o111).toBe(0o111);
    expect(execFileSync(kittBin, ["--version"], { encoding: "utf8" }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
