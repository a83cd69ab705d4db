import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { NativeProcess } from "../../src/runtime/native.js";

/** Running (not gone, not a zombie waiting for a reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("NativeProcess", () => {
  it("stops the whole process group, including children the engine forked", async () => {
    // A shell that forks a long sleep (like a Python engine forking workers) and prints its pid.
    const proc = new NativeProcess({
      engineName: "forking",
      command: { command: "sh", args: ["-c", "sleep 300 & echo child $!; wait"] },
    });
    await proc.launch();
    const childPid = await new Promise<number>((resolve) => {
      proc.onLogLine((line) => {
        const match = /child (\d+)/.exec(line);
        if (match) resolve(Number(match[1]));
      });
    });
    expect(alive(childPid)).toBe(true);
    await proc.stop();
    expect(proc.hasExited).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(childPid)).toBe(false);
  });

  it("escalates to SIGKILL when the engine ignores SIGTERM", async () => {
    const proc = new NativeProcess({
      engineName: "stubborn",
      command: { command: "sh", args: ["-c", "trap '' TERM; echo up; while true; do sleep 0.1; done"] },
      stopTimeoutMs: 500,
    });
    await proc.launch();
    await new Promise<void>((resolve) => proc.onLogLine(() => resolve()));
    const started = Date.now();
    await proc.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await proc.exited).signal).toBe("SIGKILL");
  });

  it("is idempotent and safe before launch", async () => {
    const never = new NativeProcess({ engineName: "never", command: { command: "true", args: [] } });
    await never.stop();
    await never.stop();
    const proc = new NativeProcess({ engineName: "sleeper", command: { command: "sleep", args: ["30"] } });
    await proc.launch();
    await Promise.all([proc.stop(), proc.stop()]);
    await proc.stop();
    expect(proc.hasExited).toBe(true);
  });

  it("reports a missing binary as ENGINE_START_FAILED naming the engine", async () => {
    const proc = new NativeProcess({ engineName: "llama_cpp", command: { command: "/nonexistent/llama-server", args: [] } });
    const error = await proc.launch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KittError);
    expect((error as KittError).code).toBe("ENGINE_START_FAILED");
    expect((error as KittError).message).toBe("cannot start llama_cpp: '/nonexistent/llama-server' not found");
    await proc.stop();
  });
});
