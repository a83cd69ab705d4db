import { readFileSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { parseLscpuModel, parseProcCpuinfo, probeCpu } from "../../src/hardware/cpu-info.js";
import { systemHost } from "../../src/hardware/host-probe.js";
import { recordedRunner, succeeded } from "./recorded-host.js";

/** One x86 socket, 2 cores with 2 hardware threads each. */
const SMT_CPUINFO = [0, 1, 2, 3]
  .map((cpu) => `processor\t: ${cpu}\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\nphysical id\t: 0\ncore id\t\t: ${cpu % 2}\n`)
  .join("\n");

describe("parseProcCpuinfo", () => {
  it("counts physical cores from distinct (physical id, core id) pairs", () => {
    expect(parseProcCpuinfo(SMT_CPUINFO)).toEqual({ model: "AMD Ryzen 9 7950X 16-Core Processor", physicalCores: 2, threads: 4 });
  });

  it("does not guess cores when the ids are missing (ARM)", () => {
    const arm = "processor\t: 0\nBogoMIPS\t: 2000.00\nCPU part\t: 0xd85\n\nprocessor\t: 1\nBogoMIPS\t: 2000.00\nCPU part\t: 0xd85\n";
    expect(parseProcCpuinfo(arm)).toEqual({ model: undefined, physicalCores: undefined, threads: 2 });
  });

  it.runIf(process.platform === "linux")("reads this machine's /proc/cpuinfo", () => {
    const parsed = parseProcCpuinfo(readFileSync("/proc/cpuinfo", "utf8"));
    expect(parsed.threads).toBe(os.cpus().length);
    expect(parsed.physicalCores).toBeGreaterThan(0);
    expect(parsed.physicalCores).toBeLessThanOrEqual(parsed.threads);
  });
});

describe("parseLscpuModel", () => {
  it("joins the distinct core types of a big.LITTLE part", () => {
    const lscpu = "Architecture:  aarch64\nVendor ID:     ARM\n  Model name:  Cortex-X925\n    Model: 1\n  Model name:  Cortex-A725\n    Model: 1\n";
    expect(parseLscpuModel(lscpu)).toBe("Cortex-X925 + Cortex-A725");
    expect(parseLscpuModel("Architecture: x86_64\n")).toBeUndefined();
  });
});

describe("probeCpu", () => {
  it("falls back to lscpu for the model and to one thread per core on arm64", async () => {
    const arm = "processor\t: 0\nCPU part\t: 0xd85\n\nprocessor\t: 1\nCPU part\t: 0xd87\n";
    const host = systemHost({
      arch: "arm64",
      platform: "linux",
      cpus: [{ model: "unknown" }, { model: "unknown" }],
      readFile: async (path) => (path === "/proc/cpuinfo" ? arm : undefined),
      run: recordedRunner({ lscpu: succeeded("  Model name:  Cortex-X925\n  Model name:  Cortex-A725\n") }),
    });
    expect(await probeCpu(host)).toEqual({ model: "Cortex-X925 + Cortex-A725", cores: 2, threads: 2 });
  });

  it("leaves the model absent when nothing names it", async () => {
    const host = systemHost({ platform: "linux", arch: "x64", cpus: [{ model: "" }], readFile: async () => undefined, run: recordedRunner({}) });
    expect(await probeCpu(host)).toEqual({ model: undefined, cores: undefined, threads: 1 });
  });
});
