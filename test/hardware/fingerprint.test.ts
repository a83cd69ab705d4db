import { existsSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { collectFingerprint } from "../../src/hardware/fingerprint.js";
import { NO_GPU_LINE, summarizeFingerprint } from "../../src/hardware/fingerprint-summary.js";
import { hasNvidiaGpu } from "../../src/hardware/host-facts.js";
import type { HostProbe } from "../../src/hardware/host-probe.js";
import { GPU_QUERY_FIELDS, gpuQueryArgs } from "../../src/hardware/nvidia-gpu-query.js";
import { nvidiaSmiFixture, recordedRunner, succeeded } from "./recorded-host.js";

const QUERY = ["nvidia-smi", ...gpuQueryArgs(GPU_QUERY_FIELDS)].join(" ");

/** A DGX Spark as its recorded nvidia-smi and /proc/meminfo show it. */
function dgxSpark(): Partial<HostProbe> {
  const files: Record<string, string> = {
    "/proc/meminfo": nvidiaSmiFixture("meminfo-gb10.txt"),
    "/etc/os-release": 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\n',
    "/proc/cpuinfo": "processor\t: 0\nCPU part\t: 0xd85\n\nprocessor\t: 1\nCPU part\t: 0xd87\n",
  };
  return {
    platform: "linux",
    arch: "arm64",
    kernel: "6.11.0-1016-nvidia",
    env: {},
    cpus: [{ model: "" }, { model: "" }],
    readFile: async (path) => files[path],
    run: recordedRunner({
      [QUERY]: succeeded(nvidiaSmiFixture("query-gb10.csv")),
      "nvidia-smi": succeeded(nvidiaSmiFixture("smi-gb10.txt")),
    }),
  };
}

describe("collectFingerprint on this machine", () => {
  it("returns sane CPU, RAM and OS values and says whether there is a GPU", async () => {
    const fingerprint = await collectFingerprint();
    expect(fingerprint.cpu.threads).toBe(os.cpus().length);
    expect(fingerprint.cpu.model).toMatch(/\S/);
    expect(fingerprint.cpu.cores).toBeGreaterThan(0);
    expect(fingerprint.cpu.cores).toBeLessThanOrEqual(fingerprint.cpu.threads);
    expect(fingerprint.ram_gb).toBeCloseTo(os.totalmem() / 2 ** 30, 0);
    expect(fingerprint.os).toMatch(/\S/);
    expect(fingerprint.kernel).toBe(os.release());
    expect(fingerprint.arch).toBe(process.arch);
    expect(fingerprint.environment_type).toMatch(/^(dgx_spark|dgx|wsl2|docker|container|native_linux|native_macos)$/);
    expect(fingerprint.storage && existsSync(fingerprint.storage.path)).toBe(true);
    expect(JSON.parse(JSON.stringify(fingerprint))).toEqual(fingerprint);

    if (await hasNvidiaGpu()) {
      expect(fingerprint.gpus.length).toBeGreaterThan(0);
      expect(fingerprint.gpu?.count).toBe(fingerprint.gpus.length);
    } else {
      expect(fingerprint.gpus).toEqual([]);
      expect(fingerprint.gpu).toBeUndefined();
      expect(fingerprint.cuda_version).toBeUndefined();
      expect(fingerprint.gpu_unavailable_reason).toMatch(/\S/);
      expect(summarizeFingerprint(fingerprint)[0]?.value).toContain(NO_GPU_LINE);
    }
  });
});

describe("collectFingerprint on recorded machines", () => {
  it("uses system RAM as VRAM on a DGX Spark and flags unified memory", async () => {
    const fingerprint = await collectFingerprint({ host: dgxSpark(), storagePath: "/" });
    expect(fingerprint.gpu).toEqual({ model: "NVIDIA GB10", vram_gb: 121.7, count: 1, compute_capability: "12.1", unified_memory: true });
    expect(fingerprint.gpus[0]).toEqual({
      index: 0,
      uuid: "GPU-2dee1e25-b3b5-007e-2b55-79f2d0f2ebe5",
      name: "NVIDIA GB10",
      compute_capability: "12.1",
      memory_total_gb: 121.69,
      memory_used_gb: 8.62,
      memory_free_gb: 113.07,
      unified_memory: true,
    });
    expect(fingerprint).toMatchObject({
      ram_gb: 121.7,
      cuda_version: "13.0",
      driver_version: "580.126.09",
      os: "Ubuntu 24.04.3 LTS",
      arch: "arm64",
      environment_type: "dgx_spark",
      cpu: { cores: 2, threads: 2 },
    });
  });

  it("describes a multi-GPU server by its first GPU and the count", async () => {
    const host: Partial<HostProbe> = {
      ...dgxSpark(),
      arch: "x64",
      run: recordedRunner({
        [QUERY]: succeeded(nvidiaSmiFixture("query-a100-sxm4-40gb-x2.csv")),
        "nvidia-smi": succeeded(nvidiaSmiFixture("smi-a100-sxm4-40gb-multi.txt")),
      }),
    };
    const fingerprint = await collectFingerprint({ host, storagePath: "/" });
    expect(fingerprint.gpu).toEqual({ model: "NVIDIA A100-SXM4-40GB", vram_gb: 40, count: 2, compute_capability: "8.0", unified_memory: false });
    expect(fingerprint.gpus.map((gpu) => gpu.memory_used_gb)).toEqual([0.58, 0.59]);
    expect(fingerprint.environment_type).toBe("native_linux");
    const lines = summarizeFingerprint(fingerprint, { verbose: true });
    expect(lines.map((line) => line.label)).toEqual(["GPU", "GPU 0", "GPU 1", "CUDA", "CPU", "RAM", "Storage", "OS", "Environment"]);
    expect(lines[0]?.value).toBe("2 × NVIDIA A100-SXM4-40GB, 40 GB, compute 8.0");
  });

  it("survives a machine where every probe fails", async () => {
    const host: Partial<HostProbe> = {
      platform: "linux",
      env: {},
      cpus: [],
      totalMemoryBytes: 0,
      readFile: async () => undefined,
      run: async () => ({ stdout: "", failure: "timed out after 5000 ms" }),
    };
    const fingerprint = await collectFingerprint({ host, storagePath: "/" });
    expect(fingerprint).toMatchObject({ gpus: [], cpu: { threads: 0 }, environment_type: "native_linux" });
    expect(fingerprint.ram_gb).toBeUndefined();
    expect(fingerprint.os).toBeUndefined();
    expect(fingerprint.storage).toEqual({ path: "/", type: "unknown" });
    expect(summarizeFingerprint(fingerprint)[0]?.value).toBe(`${NO_GPU_LINE} (nvidia-smi: timed out after 5000 ms)`);
  });
});
