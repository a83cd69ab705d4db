import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { withFileLock, type LockOptions } from "../../src/fs/file-lock.js";

const guarding: LockOptions = { guards: "a test", timeoutCode: "BUILD_FAILED" };

describe("withFileLock", () => {
  const dir = mkdtempSync(join(tmpdir(), "kitt-lock-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs holders one after another and removes the lock afterwards", async () => {
    const lock = join(dir, "serial.lock");
    const order: string[] = [];
    const holder = (name: string) =>
      withFileLock(
        lock,
        async () => {
          order.push(`${name} start`);
          await sleep(50);
          order.push(`${name} end`);
          return name;
        },
        { ...guarding, pollMs: 10 },
      );
    expect(await Promise.all([holder("a"), holder("b")])).toEqual(["a", "b"]);
    expect(order).toEqual(["a start", "a end", "b start", "b end"]);
    expect(existsSync(lock)).toBe(false);
  });

  it("releases the lock when the work fails", async () => {
    const lock = join(dir, "failing.lock");
    await expect(withFileLock(lock, async () => Promise.reject(new Error("boom")), guarding)).rejects.toThrow("boom");
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over a lock left by a process that is gone", async () => {
    const lock = join(dir, "stale.lock");
    const gone = spawnSync("true").pid;
    writeFileSync(lock, JSON.stringify({ pid: gone, host: hostname() }));
    expect(await withFileLock(lock, async () => "ran", { ...guarding, pollMs: 10, timeoutMs: 1000 })).toBe("ran");
  });

  it("waits for a live holder, says so, and gives up after the timeout", async () => {
    const lock = join(dir, "held.lock");
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname() }));
    const waits: number[] = [];
    await expect(
      withFileLock(lock, async () => "never", { ...guarding, pollMs: 10, timeoutMs: 100, onWait: (owner) => waits.push(owner.pid) }),
    ).rejects.toMatchObject({ code: "BUILD_FAILED", message: expect.stringContaining(`which guards a test (held by pid ${process.pid}`) });
    expect(waits).toEqual([process.pid]);
    expect(existsSync(lock)).toBe(true);
  });

  it("stops waiting when its signal is aborted, leaving the holder's lock alone", async () => {
    const lock = join(dir, "aborted.lock");
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname() }));
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error("stopped")), 50);
    await expect(withFileLock(lock, async () => "never", { ...guarding, pollMs: 10, signal: stop.signal })).rejects.toThrow("stopped");
    expect(existsSync(lock)).toBe(true);
  });
});
