import { describe, expect, it } from "vitest";
import { probeOutput, runCommand } from "../../src/hardware/command-runner.js";

describe("runCommand", () => {
  it("returns stdout of a successful command", async () => {
    expect(await runCommand("sh", ["-c", "echo hello"])).toEqual({ stdout: "hello\n", exitCode: 0 });
  });

  it("turns a missing command, a non-zero exit and a timeout into failures", async () => {
    expect(await runCommand("kitt-no-such-command", [])).toMatchObject({ failure: "not found" });
    expect(await runCommand("sh", ["-c", "echo partial; exit 9"])).toEqual({ stdout: "partial\n", exitCode: 9, failure: "exit code 9" });
    const started = Date.now();
    expect(await runCommand("sleep", ["10"], { timeoutMs: 200 })).toMatchObject({ failure: "timed out after 200 ms" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("probeOutput gives stdout only on success", async () => {
    expect(await probeOutput(runCommand, "sh", ["-c", "echo ok"])).toBe("ok\n");
    expect(await probeOutput(runCommand, "sh", ["-c", "echo no; exit 1"])).toBeUndefined();
  });
});
