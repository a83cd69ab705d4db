/**
 * Owners of containers and engine processes: a recorded kitt is `gone` only when that is
 * certain on this host — its pid is free, or now belongs to a process that started at another
 * time — and `elsewhere` or `unknown` when it cannot be checked from here. Native cleanup stops
 * only engines whose kitt is gone, and never a process that merely reuses a recorded pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { killLeftoverProcesses, writePidRecord, type PidRecord } from "../../src/runtime/pid-files.js";
import { currentOwner, ownerState, processStartTime, type ProcessOwner } from "../../src/runtime/process-owner.js";

const started: ChildProcess[] = [];

/** A process in its own group, as kitt starts native engines. */
async function startProcess(command = "sleep", args = ["300"]): Promise<ChildProcess & { pid: number }> {
  const child = spawn(command, args, { detached: true, stdio: "ignore" });
  started.push(child);
  await new Promise((resolve) => child.once("spawn", resolve));
  return child as ChildProcess & { pid: number };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

function ownerOf(pid: number): ProcessOwner {
  const here = currentOwner()!;
  return { ...here, pid, startTime: processStartTime(pid)! };
}

function running(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map(stopProcess));
});

describe("process owners", () => {
  it("identifies this process by pid, start time, boot id and pid namespace", () => {
    const owner = currentOwner();
    expect(owner).toMatchObject({ pid: process.pid, bootId: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() });
    expect(owner?.startTime).toMatch(/^\d+$/);
    expect(owner?.pidNamespace).toMatch(/^\d+$/);
    expect(ownerState(owner)).toBe("alive");
  });

  it("is gone once its process has exited, and when its pid is held by a process started at another time", async () => {
    const child = await startProcess();
    const owner = ownerOf(child.pid);
    expect(ownerState(owner)).toBe("alive");
    // The same pid with another start time: what a recycled pid looks like.
    expect(ownerState({ ...owner, startTime: String(Number(owner.startTime) + 1) })).toBe("gone");
    await stopProcess(child);
    expect(ownerState(owner)).toBe("gone");
  });

  it("cannot be checked from another boot, another pid namespace, or without a record", () => {
    const owner = currentOwner()!;
    expect(ownerState({ ...owner, bootId: "00000000-0000-0000-0000-000000000000" })).toBe("elsewhere");
    expect(ownerState({ ...owner, pidNamespace: "1" })).toBe("elsewhere");
    expect(ownerState({ pid: owner.pid })).toBe("unknown");
    expect(ownerState(undefined)).toBe("unknown");
  });
});

describe("native engine cleanup", () => {
  let home: string;
  let previousHome: string | undefined;

  beforeEach(() => {
    previousHome = process.env.KITT_HOME;
    home = mkdtempSync(join(tmpdir(), "kitt-home-"));
    process.env.KITT_HOME = home;
  });

  afterEach(() => {
    if (previousHome === undefined) delete process.env.KITT_HOME;
    else process.env.KITT_HOME = previousHome;
  });

  function record(engine: ChildProcess & { pid: number }, owner: ProcessOwner | undefined, extra: Partial<PidRecord> = {}): void {
    writePidRecord({
      pid: engine.pid,
      engine: "llama_cpp",
      command: "sleep",
      started_at: new Date().toISOString(),
      start_time: processStartTime(engine.pid),
      kitt_pid: owner?.pid ?? 1,
      owner,
      ...extra,
    });
  }

  it("stops an engine whose kitt is gone and leaves the engine of a live kitt alone", async () => {
    const liveKitt = await startProcess();
    const deadKitt = await startProcess();
    const deadOwner = ownerOf(deadKitt.pid);
    await stopProcess(deadKitt);
    const kept = await startProcess();
    const orphan = await startProcess();
    record(kept, ownerOf(liveKitt.pid));
    record(orphan, deadOwner);

    const cleanup = killLeftoverProcesses();
    expect(cleanup.stopped.map((r) => r.pid)).toEqual([orphan.pid]);
    expect(cleanup.kept).toEqual([expect.objectContaining({ pid: kept.pid, state: "alive" })]);
    await new Promise((resolve) => orphan.once("exit", resolve));
    expect(running(kept.pid)).toBe(true);
    expect(readdirSync(join(home, "run"))).toEqual([`${kept.pid}.json`]);
  });

  it("never signals a process that reuses a recorded pid, even one running the same command", async () => {
    const deadKitt = await startProcess();
    const deadOwner = ownerOf(deadKitt.pid);
    await stopProcess(deadKitt);
    // A `sleep` that now holds the recorded pid, but started at another time than the engine did.
    const stranger = await startProcess();
    record(stranger, deadOwner, { start_time: String(Number(processStartTime(stranger.pid)) - 1) });

    const cleanup = killLeftoverProcesses();
    expect(cleanup.stopped).toEqual([]);
    expect(running(stranger.pid)).toBe(true);
    expect(readdirSync(join(home, "run"))).toEqual([]);
  });

  it("leaves records it cannot check alone, and --all stops every engine it can still identify", async () => {
    const liveKitt = await startProcess();
    const fromOtherHost = await startProcess();
    const ofLiveKitt = await startProcess();
    record(fromOtherHost, { ...currentOwner()!, pid: 4242, bootId: "00000000-0000-0000-0000-000000000000" });
    record(ofLiveKitt, ownerOf(liveKitt.pid));
    // A record written by an older kitt: no owner, no start time.
    mkdirSync(join(home, "run"), { recursive: true });
    const older = await startProcess();
    writeFileSync(
      join(home, "run", `${older.pid}.json`),
      JSON.stringify({ pid: older.pid, engine: "llama_cpp", command: "sleep", started_at: new Date().toISOString(), kitt_pid: 1 }),
    );

    const cleanup = killLeftoverProcesses();
    expect(cleanup.stopped).toEqual([]);
    expect(Object.fromEntries(cleanup.kept.map((r) => [r.pid, r.state]))).toEqual({
      [fromOtherHost.pid]: "elsewhere",
      [ofLiveKitt.pid]: "alive",
      [older.pid]: "unknown",
    });

    const all = killLeftoverProcesses({ all: true });
    // The other host's record names no process here; the others are this host's and are stopped.
    expect(all.stopped.map((r) => r.pid).sort()).toEqual([ofLiveKitt.pid, older.pid].sort());
    expect(running(fromOtherHost.pid)).toBe(true);
    expect(readdirSync(join(home, "run"))).toEqual([]);
  });
});
