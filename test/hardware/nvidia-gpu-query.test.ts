import { describe, expect, it } from "vitest";
import {
  GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP,
  hasUnifiedMemory,
  isUnknownFieldError,
  parseGpuQuery,
} from "../../src/hardware/nvidia-gpu-query.js";
import { nvidiaSmiFixture } from "./recorded-host.js";

describe("parseGpuQuery", () => {
  it("reads a recorded H100 row", () => {
    expect(parseGpuQuery(nvidiaSmiFixture("query-h100-80gb-hbm3.csv"))).toEqual([
      {
        index: 0,
        uuid: "GPU-00000000-0000-0000-0000-000000000000",
        name: "NVIDIA H100 80GB HBM3",
        computeCapability: "9.0",
        memoryTotalMiB: 81559,
        memoryUsedMiB: 0,
        memoryFreeMiB: 81081,
        driverVersion: "590.48.01",
      },
    ]);
  });

  it("reads every GPU of a multi-GPU server", () => {
    const a100 = parseGpuQuery(nvidiaSmiFixture("query-a100-sxm4-40gb-x2.csv"));
    expect(a100.map((gpu) => [gpu.index, gpu.name, gpu.memoryUsedMiB])).toEqual([
      [0, "NVIDIA A100-SXM4-40GB", 598],
      [1, "NVIDIA A100-SXM4-40GB", 602],
    ]);
    const rtx = parseGpuQuery(nvidiaSmiFixture("query-rtx4090-x2.csv"));
    expect(rtx).toHaveLength(2);
    expect(rtx.every((gpu) => gpu.computeCapability === "8.9" && gpu.memoryTotalMiB === 24564)).toBe(true);
  });

  it("leaves [N/A] memory absent on a GB10 and recognises unified memory", () => {
    const [gb10] = parseGpuQuery(nvidiaSmiFixture("query-gb10.csv"));
    expect(gb10).toMatchObject({ index: 0, name: "NVIDIA GB10", computeCapability: "12.1", driverVersion: "580.126.09" });
    expect(gb10?.memoryTotalMiB).toBeUndefined();
    expect(gb10?.memoryUsedMiB).toBeUndefined();
    expect(gb10?.memoryFreeMiB).toBeUndefined();
    expect(hasUnifiedMemory(gb10!)).toBe(true);
    expect(parseGpuQuery(nvidiaSmiFixture("query-h100-80gb-hbm3.csv")).some(hasUnifiedMemory)).toBe(false);
  });

  it("treats [Not Supported], bare N/A and empty cells as missing, not as zero", () => {
    const [gpu] = parseGpuQuery("0, GPU-x, Tesla T4, [Not Supported], , N/A, [Unknown Error], 535.1\n");
    expect(gpu).toEqual({
      index: 0,
      uuid: "GPU-x",
      name: "Tesla T4",
      computeCapability: undefined,
      memoryTotalMiB: undefined,
      memoryUsedMiB: undefined,
      memoryFreeMiB: undefined,
      driverVersion: "535.1",
    });
    // Missing memory without a compute capability is not evidence of unified memory.
    expect(hasUnifiedMemory(gpu!)).toBe(false);
  });

  it("ignores error messages and keeps a comma inside a GPU name", () => {
    const text = `${nvidiaSmiFixture("error-no-driver.txt")}0, GPU-a, NVIDIA Graphics Device, 16GB, 8.9, 16384, 1, 16383, 550.54\n`;
    expect(parseGpuQuery(text).map((gpu) => [gpu.name, gpu.computeCapability, gpu.memoryTotalMiB])).toEqual([
      ["NVIDIA Graphics Device, 16GB", "8.9", 16384],
    ]);
  });

  it("tolerates units when nounits was not honoured", () => {
    const [gpu] = parseGpuQuery("0, GPU-a, NVIDIA A100-SXM4-80GB, 8.0, 81920 MiB, 10 MiB, 81910 MiB, 550.54.15\n");
    expect(gpu?.memoryTotalMiB).toBe(81920);
  });

  it("parses the query without compute_cap that old drivers need", () => {
    const [gpu] = parseGpuQuery("0, GPU-a, NVIDIA A100-SXM4-40GB, 40536, 5140, 35396, 470.82.01\n", GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP);
    expect(gpu).toMatchObject({ name: "NVIDIA A100-SXM4-40GB", memoryTotalMiB: 40536, driverVersion: "470.82.01" });
    expect(gpu?.computeCapability).toBeUndefined();
  });

  it("returns nothing for empty output", () => {
    expect(parseGpuQuery("")).toEqual([]);
    expect(parseGpuQuery("No devices were found\n")).toEqual([]);
  });
});

describe("isUnknownFieldError", () => {
  it("recognises an old driver's rejection of compute_cap", () => {
    expect(isUnknownFieldError(nvidiaSmiFixture("error-unknown-field-compute-cap.txt"))).toBe(true);
    expect(isUnknownFieldError(nvidiaSmiFixture("error-no-driver.txt"))).toBe(false);
  });
});
