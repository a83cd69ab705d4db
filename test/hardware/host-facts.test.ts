import { describe, expect, it } from "vitest";
import { hasNvidiaGpu, hostFacts, maxComputeCapability } from "../../src/hardware/host-facts.js";
import { recordedRunner, succeeded } from "./recorded-host.js";

describe("hostFacts", () => {
  it("takes the highest compute capability among the GPUs", async () => {
    const run = recordedRunner({ "nvidia-smi --query-gpu=compute_cap --format=csv,noheader": succeeded("8.9\n12.0\n") });
    expect(await hostFacts({ run, arch: "x64", platform: "linux" })).toEqual({ arch: "x64", platform: "linux", computeCapability: 12 });
  });

  it("leaves the compute capability out without NVIDIA GPUs", async () => {
    expect(await hostFacts({ run: recordedRunner({}), arch: "arm64", platform: "darwin" })).toEqual({ arch: "arm64", platform: "darwin" });
    expect(maxComputeCapability('Field "compute_cap" is not a valid field to query.\n')).toBeUndefined();
    expect(maxComputeCapability("12.1\n")).toBe(12.1);
  });
});

describe("hasNvidiaGpu", () => {
  it("is true only when nvidia-smi lists a GPU", async () => {
    expect(await hasNvidiaGpu({ run: recordedRunner({ "nvidia-smi --query-gpu=index --format=csv,noheader": succeeded("0\n1\n") }) })).toBe(true);
    expect(await hasNvidiaGpu({ run: recordedRunner({ "nvidia-smi --query-gpu=index --format=csv,noheader": succeeded("No devices were found\n") }) })).toBe(false);
    expect(await hasNvidiaGpu({ run: recordedRunner({}) })).toBe(false);
  });
});
