import { describe, expect, it } from "vitest";
import {
  GPU_QUERY_FIELDS,
  GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP,
  gpuQueryArgs,
} from "../../src/hardware/nvidia-gpu-query.js";
import { probeNvidiaGpus } from "../../src/hardware/nvidia-gpus.js";
import { exited, nvidiaSmiFixture, recordedRunner, succeeded } from "./recorded-host.js";

const QUERY = ["nvidia-smi", ...gpuQueryArgs(GPU_QUERY_FIELDS)].join(" ");
const QUERY_WITHOUT_COMPUTE_CAP = ["nvidia-smi", ...gpuQueryArgs(GPU_QUERY_FIELDS_WITHOUT_COMPUTE_CAP)].join(" ");

describe("probeNvidiaGpus", () => {
  it("lists GPUs and takes the CUDA version from the banner", async () => {
    const run = recordedRunner({
      [QUERY]: succeeded(nvidiaSmiFixture("query-rtx4090-x2.csv")),
      "nvidia-smi": succeeded(nvidiaSmiFixture("smi-rtx4090-x2.txt")),
    });
    const inventory = await probeNvidiaGpus(run);
    expect(inventory.gpus).toHaveLength(2);
    expect(inventory).toMatchObject({ driverVersion: "550.163.01", cudaVersion: "12.4" });
    expect(inventory.unavailableReason).toBeUndefined();
  });

  it("says nvidia-smi is missing rather than failing", async () => {
    const inventory = await probeNvidiaGpus(recordedRunner({}));
    expect(inventory).toEqual({ gpus: [], unavailableReason: "nvidia-smi not found" });
  });

  it("passes on nvidia-smi's own explanation when the driver is not loaded", async () => {
    const run = recordedRunner({ [QUERY]: exited(9, nvidiaSmiFixture("error-no-driver.txt")) });
    const inventory = await probeNvidiaGpus(run);
    expect(inventory.gpus).toEqual([]);
    expect(inventory.unavailableReason).toMatch(/^nvidia-smi: NVIDIA-SMI has failed because it couldn't communicate/);
  });

  it("asks again without compute_cap when an old driver rejects the field", async () => {
    const run = recordedRunner({
      [QUERY]: exited(2, nvidiaSmiFixture("error-unknown-field-compute-cap.txt")),
      [QUERY_WITHOUT_COMPUTE_CAP]: succeeded("0, GPU-a, NVIDIA A100-SXM4-40GB, 40536, 5140, 35396, 470.82.01\n"),
      "nvidia-smi": succeeded(nvidiaSmiFixture("smi-a100-old-banner-470.txt")),
    });
    const inventory = await probeNvidiaGpus(run);
    expect(run.calls).toEqual([QUERY, QUERY_WITHOUT_COMPUTE_CAP, "nvidia-smi"]);
    expect(inventory.gpus[0]).toMatchObject({ name: "NVIDIA A100-SXM4-40GB", memoryTotalMiB: 40536 });
    expect(inventory).toMatchObject({ driverVersion: "470.82.01", cudaVersion: "11.4" });
  });

  it("keeps the GPUs when the banner cannot be read", async () => {
    const run = recordedRunner({ [QUERY]: succeeded(nvidiaSmiFixture("query-h100-80gb-hbm3.csv")) });
    const inventory = await probeNvidiaGpus(run);
    expect(inventory.gpus).toHaveLength(1);
    expect(inventory.driverVersion).toBe("590.48.01");
    expect(inventory.cudaVersion).toBeUndefined();
  });

  it("reports a timeout as a reason", async () => {
    const run = recordedRunner({ [QUERY]: { stdout: "", failure: "timed out after 5000 ms" } });
    expect(await probeNvidiaGpus(run)).toEqual({ gpus: [], unavailableReason: "nvidia-smi: timed out after 5000 ms" });
  });
});
