import { describe, expect, it } from "vitest";
import { parseNvidiaSmiHeader } from "../../src/hardware/nvidia-smi-header.js";
import { nvidiaSmiFixture } from "./recorded-host.js";

describe("parseNvidiaSmiHeader", () => {
  it.each([
    ["smi-h100-80gb-hbm3.txt", "590.48.01", "13.1"],
    ["smi-a100-sxm4-40gb-multi.txt", "580.126.09", "13.0"],
    ["smi-rtx4090-x2.txt", "550.163.01", "12.4"],
    ["smi-gb10.txt", "580.126.09", "13.0"],
    ["smi-a100-old-banner-470.txt", "470.82.01", "11.4"],
    // R610 renamed the banner fields.
    ["smi-b200-r610.txt", "610.43.02", "13.3"],
  ])("reads driver and CUDA version from %s", (file, driverVersion, cudaVersion) => {
    expect(parseNvidiaSmiHeader(nvidiaSmiFixture(file))).toEqual({ driverVersion, cudaVersion });
  });

  it("leaves both absent when there is no banner", () => {
    expect(parseNvidiaSmiHeader(nvidiaSmiFixture("error-no-driver.txt"))).toEqual({ driverVersion: undefined, cudaVersion: undefined });
    expect(parseNvidiaSmiHeader("| NVIDIA-SMI 580.95.05    Driver Version: 580.95.05    CUDA Version: N/A |")).toEqual({
      driverVersion: "580.95.05",
      cudaVersion: undefined,
    });
  });
});
