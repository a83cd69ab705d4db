import { describe, expect, it } from "vitest";
import { runTool } from "../../src/setup/run-tool.js";

describe("runTool", () => {
  it("returns stdout and passes every output line, stdout and stderr, to onLine", async () => {
    const lines: string[] = [];
    const script = "echo one; echo two >&2; echo three";
    const stdout = await runTool("sh", ["-c", script], { what: "echoing", onLine: (line) => lines.push(line) });
    expect(stdout).toBe("one\nthree");
    // The two pipes are read independently, so only the order within each is certain.
    expect(lines.sort()).toEqual(["one", "three", "two"]);
  });

  it("fails with BUILD_FAILED quoting the last output line", async () => {
    const script = "echo compiling; sleep 0.05; echo 'fatal: no space' >&2; exit 3";
    await expect(runTool("sh", ["-c", script], { what: "building x" })).rejects.toMatchObject({
      code: "BUILD_FAILED",
      message: "building x failed (exit code 3): fatal: no space",
      details: ["compiling", "fatal: no space"],
    });
  });

  it("fails with NOT_FOUND when the tool is not installed", async () => {
    await expect(runTool("kitt-no-such-tool", [], { what: "testing" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "'kitt-no-such-tool' is not installed (needed for testing)",
    });
  });
});
