import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { summarizeSamples, type GpuSample } from "../../src/collectors/gpu-memory-stats.js";
import { parseSampleLine } from "../../src/collectors/gpu-sample-line.js";
import { GpuMemorySampler, type GpuMemoryReport } from "../../src/collectors/gpu-sampler.js";
import { tsxLoaderUrl } from "../../src/serve/workers/tsx-loader.js";
import { nvidiaSmiFixture } from "../hardware/recorded-host.js";
import { fakeNvidiaSmi as makeFakeNvidiaSmi, ticksOf, type FakeNvidiaSmi } from "../support/fake-nvidia-smi.js";

const temporaryDirs: string[] = [];
const fakes: FakeNvidiaSmi[] = [];

function fakeNvidiaSmi(options: Parameters<typeof makeFakeNvidiaSmi>[0]): FakeNvidiaSmi {
  const fake = makeFakeNvidiaSmi(options);
  temporaryDirs.push(fake.dir);
  fakes.push(fake);
  return fake;
}

function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kitt-gpu-sampler-"));
  temporaryDirs.push(dir);
  return dir;
}

afterEach(() => {
  // No stand-in may outlive its test: one still running here is a leak (and is ended).
  const leaked = fakes.splice(0).flatMap((fake) => {
    const pid = fake.started()?.pid;
    if (pid === undefined || !isRunning(pid)) return [];
    process.kill(pid, "SIGKILL");
    return [pid];
  });
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  expect(leaked, "nvidia-smi stand-ins still running after the test").toEqual([]);
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function sampleCount(report: GpuMemoryReport): number {
  return report.available ? report.samples.length : 0;
}

/** Running: not gone, and not a zombie waiting for its parent to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("GpuMemorySampler without nvidia-smi", () => {
  it("reports unavailable with a reason and no numbers", async () => {
    const sampler = new GpuMemorySampler({ env: { PATH: temporaryDir() } });
    await sampler.start();
    const report = await sampler.stop();
    expect(report).toEqual({ available: false, reason: "nvidia-smi not found" });
    expect(report).not.toHaveProperty("peak_gb");
    expect(sampler.snapshot()).toEqual(report);
  });

  it("stops safely when it was never started", async () => {
    const sampler = new GpuMemorySampler();
    expect(await sampler.stop()).toEqual({ available: false, reason: "the GPU memory sampler was not started" });
    await expect(sampler.start()).rejects.toThrow(/already stopped/);
  });

  it("passes on nvidia-smi's explanation when it fails", async () => {
    const fake = fakeNvidiaSmi({ failWith: nvidiaSmiFixture("error-no-driver.txt"), exitCode: 9 });
    const sampler = new GpuMemorySampler({ env: fake.env });
    await sampler.start();
    await until(() => !sampler.snapshot().available && /exited/.test(JSON.stringify(sampler.snapshot())));
    const report = await sampler.stop();
    expect(report.available).toBe(false);
    expect(!report.available && report.reason).toMatch(/^nvidia-smi exited with code 9: NVIDIA-SMI has failed because/);
  });
});

describe("GpuMemorySampler with a recorded nvidia-smi", () => {
  it("computes peak and average from a replayed H100 run and cleans up its child", async () => {
    const ticks = ticksOf("samples-h100-80gb-hbm3.csv");
    const fake = fakeNvidiaSmi({ ticks });
    const sampler = new GpuMemorySampler({ env: fake.env, intervalMs: 20 });
    await sampler.start();
    await until(() => sampleCount(sampler.snapshot()) === ticks.length);

    const report = await sampler.stop();
    // 19818 MiB at the peak; (0 + 19818 + 19818 + 0) / 4 MiB on average.
    expect(report).toMatchObject({ available: true, source: "nvidia-smi", interval_ms: 20, peak_gb: 19.354, avg_gb: 9.677 });
    expect(report.available && report.samples.map((sample) => sample.used_gb)).toEqual([0, 19818 / 1024, 19818 / 1024, 0]);
    expect(report.available && report.samples.every((sample, i, all) => sample.gpu === 0 && sample.t >= (all[i - 1]?.t ?? 0))).toBe(true);

    const started = fake.started();
    expect(started?.args).toEqual([
      "--query-gpu=index,memory.used,memory.total,utilization.gpu",
      "--format=csv,noheader,nounits",
      "-lms",
      "20",
    ]);
    expect(isRunning(started!.pid)).toBe(false);
    expect(await sampler.stop()).toBe(report);
  });

  it("adds GPUs up per interval on a multi-GPU machine", async () => {
    const ticks = ticksOf("samples-a800-sxm4-80gb-x2.csv");
    const fake = fakeNvidiaSmi({ ticks });
    {
      await using sampler = new GpuMemorySampler({ env: fake.env, intervalMs: 20 });
      await sampler.start();
      await until(() => sampleCount(sampler.snapshot()) === 4);
      expect(sampler.snapshot()).toMatchObject({
        available: true,
        peak_gb: 67.467,
        avg_gb: 67.467,
        per_gpu: [
          { gpu: 0, peak_gb: 33.64, avg_gb: 33.64 },
          { gpu: 1, peak_gb: 33.827, avg_gb: 33.827 },
        ],
      });
    }
    // Leaving the block disposed of the sampler, and with it the child.
    expect(isRunning(fake.started()!.pid)).toBe(false);
  });

  it("keeps a long run's whole span in bounded memory, per GPU", async () => {
    const fake = fakeNvidiaSmi({ ticks: ticksOf("samples-a800-sxm4-80gb-x2.csv"), repeatLast: true });
    await using sampler = new GpuMemorySampler({ env: fake.env, intervalMs: 10, maxSamplesPerGpu: 4 });
    await sampler.start();
    const firstT = await (async () => {
      await until(() => sampleCount(sampler.snapshot()) > 0);
      const report = sampler.snapshot();
      return report.available ? report.samples[0]!.t : -1;
    })();
    // Well past four readings per GPU: the kept ones are thinned, twice at least.
    await until(() => {
      const report = sampler.snapshot();
      return report.available && report.interval_ms >= 40;
    });
    const report = sampler.snapshot();
    if (!report.available) throw new Error("no samples");
    for (const gpu of [0, 1]) {
      const kept = report.samples.filter((sample) => sample.gpu === gpu);
      expect(kept.length).toBeGreaterThanOrEqual(2);
      expect(kept.length).toBeLessThanOrEqual(5);
    }
    // The first reading stays: the span still starts where the run did.
    expect(report.samples[0]!.t).toBe(firstT);
    const times = report.samples.map((sample) => sample.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("reports a phase from its mark onwards", async () => {
    const ticks = ticksOf("samples-h100-80gb-hbm3.csv");
    const fake = fakeNvidiaSmi({ ticks });
    // Long enough an interval that a busy machine still sees the first sample alone.
    const sampler = new GpuMemorySampler({ env: fake.env, intervalMs: 200 });
    await sampler.start();
    await until(() => sampleCount(sampler.snapshot()) === 1);
    const phase = sampler.mark();
    expect(sampler.snapshot(phase)).toMatchObject({ available: false, reason: expect.stringMatching(/since the mark/) });
    await until(() => sampleCount(sampler.snapshot()) === ticks.length);
    expect(sampler.snapshot(phase)).toMatchObject({ available: true, peak_gb: 19.354, avg_gb: 12.902 });
    expect(sampler.snapshot()).toMatchObject({ available: true, avg_gb: 9.677 });
    await sampler.stop();
  });

  it("falls back to /proc/meminfo when a unified-memory GPU reports [N/A]", async () => {
    const fake = fakeNvidiaSmi({ ticks: ticksOf("samples-gb10.csv"), repeatLast: true });
    const meminfoPath = join(temporaryDir(), "meminfo");
    writeFileSync(meminfoPath, nvidiaSmiFixture("meminfo-gb10.txt"));
    const sampler = new GpuMemorySampler({ env: fake.env, intervalMs: 20, meminfoPath });
    await sampler.start();
    await until(() => sampleCount(sampler.snapshot()) >= 2);
    // The nvidia-smi child is no longer needed once the sampler reads meminfo.
    await until(() => !isRunning(fake.started()!.pid));

    // More memory in use (MemAvailable 10 GiB lower) must show up in the next samples.
    writeFileSync(meminfoPath, "MemTotal:       127600748 kB\nMemAvailable:   108080608 kB\n");
    await until(() => {
      const report = sampler.snapshot();
      return report.available && report.peak_gb > 18;
    });
    const report = await sampler.stop();
    expect(report).toMatchObject({ available: true, source: "meminfo", peak_gb: 18.616 });
    expect(report.available && report.samples[0]).toMatchObject({ gpu: 0, used_gb: 9034380 / 1024 / 1024 });
    expect(report.available && report.avg_gb).toBeGreaterThan(8.6);
  });

  it("its nvidia-smi child dies with kitt, even when kitt is killed with SIGKILL", async () => {
    // Silent once its recorded intervals are out, the stand-in would never notice a closed pipe by writing to it.
    const ticks = ticksOf("samples-h100-80gb-hbm3.csv");
    const fake = fakeNvidiaSmi({ ticks });
    const script = fileURLToPath(new URL("./sampler-process.ts", import.meta.url));
    const owner = spawn(process.execPath, ["--import", tsxLoaderUrl(), script, String(ticks.length)], {
      env: fake.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => owner.once("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("sampling") && resolve());
      owner.once("exit", () => reject(new Error("the sampling process exited early")));
    });
    await until(() => fake.started() !== undefined);
    const { pid } = fake.started()!;
    expect(isRunning(pid)).toBe(true);
    owner.kill("SIGKILL");
    await exited;
    await until(() => !isRunning(pid), 5_000);
  });

  it("says so when unified memory cannot be read either", async () => {
    const fake = fakeNvidiaSmi({ ticks: ticksOf("samples-gb10.csv"), repeatLast: true });
    const sampler = new GpuMemorySampler({ env: fake.env, intervalMs: 20, meminfoPath: join(temporaryDir(), "missing") });
    await sampler.start();
    await until(() => !sampler.snapshot().available && /unified memory/.test(JSON.stringify(sampler.snapshot())));
    const report = await sampler.stop();
    expect(report).toMatchObject({ available: false, reason: expect.stringMatching(/^GPU 0 has unified memory and .*missing cannot be read/) });
  });
});

describe("parseSampleLine", () => {
  it("reads recorded stream lines", () => {
    expect(parseSampleLine("0, 19818, 81559, 100")).toEqual({ kind: "memory", gpu: 0, usedMiB: 19818, totalMiB: 81559, utilizationPct: 100 });
    expect(parseSampleLine("0, [N/A], [N/A], 0")).toEqual({ kind: "unified", gpu: 0 });
    expect(parseSampleLine("Failed to initialize NVML: Driver/library version mismatch")).toBeUndefined();
  });
});

describe("summarizeSamples", () => {
  const sample = (t: number, gpu: number, used_gb: number): GpuSample => ({ t, gpu, used_gb });

  it("leaves out an interval cut short by stop", () => {
    const samples = [sample(0, 0, 10), sample(0, 1, 20), sample(100, 0, 12), sample(100, 1, 22), sample(200, 0, 50)];
    expect(summarizeSamples(samples)).toEqual({
      peak_gb: 34,
      avg_gb: 32,
      per_gpu: [
        { gpu: 0, peak_gb: 50, avg_gb: 24 },
        { gpu: 1, peak_gb: 22, avg_gb: 21 },
      ],
    });
  });

  it("has nothing to say about no samples", () => {
    expect(summarizeSamples([])).toBeUndefined();
  });
});
