/**
 * The engine process sampler against real processes: a shell that forks a busy child (so the
 * tree, not only the root, is counted), a process that is gone, the bound on kept samples, and
 * the readers' parsing of /proc and `docker stats` text.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessSampler } from "../../src/collectors/process-sampler.js";
import { parseDockerStats, parseProcStat, parseRssBytes, parseSize, readProcessTree } from "../../src/collectors/process-usage.js";

const started: ChildProcess[] = [];

/** `sh` forking a child that holds ~64 MB and spins, so CPU time and memory grow in the child. */
async function busyTree(): Promise<number> {
  const script = "const keep = Buffer.alloc(64e6, 1); const end = Date.now() + 20000; while (Date.now() < end) keep[0]++;";
  const child = spawn("sh", ["-c", `"${process.execPath}" -e '${script}' & wait`], { stdio: "ignore", detached: true });
  started.push(child);
  await once(child, "spawn");
  return child.pid!;
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(process.platform !== "linux")("ProcessSampler on /proc", () => {
  it("counts the forked child: memory near what it holds, CPU seconds growing, at most one core busy", async () => {
    const pid = await busyTree();
    await using sampler = new ProcessSampler({ target: { kind: "pid", pid }, intervalMs: 100 });
    await sleep(300); // the child allocates its buffer
    sampler.start();
    await sleep(1_000);
    const report = await sampler.stop();
    if (!report.available) throw new Error(report.reason);
    expect(report).toMatchObject({ source: "procfs", target: `pid ${pid}`, errors: 0 });
    expect(report.samples.length).toBeGreaterThanOrEqual(5);
    const last = report.samples.at(-1)!;
    expect(last.processes).toBeGreaterThanOrEqual(2);
    expect(last.rss_mb).toBeGreaterThan(60);
    expect(report.peak_rss_mb).toBeGreaterThanOrEqual(last.rss_mb);
    const cpu = report.samples.map((s) => s.cpu_s!);
    expect(cpu.at(-1)!).toBeGreaterThan(cpu[0]!);
    expect(report.samples[0]!.cpu_percent).toBeNull();
    // A spinning child on a shared machine: clearly busy, never more than the one core it can use.
    expect(report.mean_cpu_percent).toBeGreaterThan(5);
    expect(report.mean_cpu_percent).toBeLessThan(130);
    const seconds = (last.t - report.samples[0]!.t) / 1000;
    const overall = ((cpu.at(-1)! - cpu[0]!) / seconds) * 100;
    expect(Math.abs(overall - report.mean_cpu_percent!)).toBeLessThan(15);
  });

  it("keeps at most maxSamples, thinning evenly and doubling the interval", async () => {
    const pid = await busyTree();
    await using sampler = new ProcessSampler({ target: { kind: "pid", pid }, intervalMs: 10, maxSamples: 4 });
    sampler.start();
    await sleep(400);
    const report = await sampler.stop();
    if (!report.available) throw new Error(report.reason);
    expect(report.samples.length).toBeLessThanOrEqual(4);
    expect(report.interval_ms).toBeGreaterThanOrEqual(20);
    const times = report.samples.map((s) => s.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(100);
  });

  it("takes a closing reading on stop, so a run shorter than the interval still has its end", async () => {
    const pid = await busyTree();
    await using sampler = new ProcessSampler({ target: { kind: "pid", pid }, intervalMs: 60_000 });
    sampler.start();
    await sleep(300);
    const report = await sampler.stop();
    if (!report.available) throw new Error(report.reason);
    expect(report.samples.map((s) => s.cpu_percent === null)).toEqual([true, false]);
    expect(report.samples[1]!.t).toBeGreaterThanOrEqual(250);
  });

  it("reports a process that is gone as not sampled, with the reason", async () => {
    const child = spawn("true");
    await once(child, "exit");
    await using sampler = new ProcessSampler({ target: { kind: "pid", pid: child.pid! }, intervalMs: 20 });
    sampler.start();
    await sleep(60);
    const report = await sampler.stop();
    expect(report).toEqual({ available: false, reason: `not sampled: process ${child.pid} is gone` });
    expect(await readProcessTree(child.pid!, 100)).toBeUndefined();
  });

  it("is safe to stop twice and before start", async () => {
    const sampler = new ProcessSampler({ target: { kind: "pid", pid: process.pid } });
    expect(await sampler.stop()).toEqual({ available: false, reason: "not sampled: the process sampler was never started" });
    expect(await sampler.stop()).toEqual(await sampler.stop());
  });
});

describe("process usage parsing", () => {
  it("reads ppid and CPU ticks after a command name holding spaces and parentheses", () => {
    const stat = "4242 (llama (server) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 1234 5000000 1500";
    expect(parseProcStat(4242, stat)).toEqual({ pid: 4242, ppid: 17, ticks: 300 });
  });

  it("reads VmRSS in bytes, 0 when absent", () => {
    expect(parseRssBytes("Name:\tllama-server\nVmRSS:\t  20480 kB\nThreads: 8\n")).toBe(20480 * 1024);
    expect(parseRssBytes("Name:\tkthreadd\n")).toBe(0);
  });

  it("reads docker stats' JSON line", () => {
    const line = JSON.stringify({ CPUPerc: "187.25%", MemUsage: "1.5GiB / 31.26GiB", PIDs: "9", Name: "kitt-llama_cpp" });
    expect(parseDockerStats(line)).toEqual({ cpuPercent: 187.25, rssBytes: 1.5 * 1024 ** 3, processes: 9 });
    expect(parseDockerStats('{"CPUPerc":"--","MemUsage":"0B / 0B"}')).toBeUndefined();
    expect(parseDockerStats("not json")).toBeUndefined();
    expect(parseSize("512kB")).toBe(512_000);
    expect(parseSize("12.5MiB")).toBe(12.5 * 1024 ** 2);
    expect(parseSize("lots")).toBeUndefined();
  });
});
