/** What a heartbeat says about the machine: GPU memory and utilisation from nvidia-smi's CSV, free model storage. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freeStorageGb, gpuStatus } from "../../src/agent/agent-host.js";
import { HeartbeatSchema } from "../../src/server/agents/agent-protocol.js";
import type { CommandRunner } from "../../src/hardware/command-runner.js";
import { tempKittHome } from "../support/cli.js";

describe("agent host facts", () => {
  it("reads each GPU's memory (MiB to GB) and utilisation, leaving out what the device reports as [N/A]", async () => {
    const asked: string[][] = [];
    // nvidia-smi --query-gpu=index,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits on two H100s, the second a MIG parent.
    const run: CommandRunner = async (file, args) => {
      asked.push([file, ...args]);
      return { stdout: "0, 40960, 81559, 87\n1, [N/A], 81559, [N/A]\n", exitCode: 0 };
    };
    const gpus = await gpuStatus(run);
    expect(asked).toEqual([["nvidia-smi", "--query-gpu=index,memory.used,memory.total,utilization.gpu", "--format=csv,noheader,nounits"]]);
    expect(gpus).toEqual([
      { index: 0, memory_used_gb: 40, memory_total_gb: expect.closeTo(79.65, 2) as number, utilization_pct: 87 },
      { index: 1, memory_total_gb: expect.closeTo(79.65, 2) as number },
    ]);
    expect(HeartbeatSchema.safeParse({ status: "idle", running_job: null, gpus, free_model_storage_gb: 1, kitt_version: "1" }).success).toBe(true);
    expect(await gpuStatus(async () => ({ stdout: "", failure: "not found" }))).toEqual([]);
  });

  it("gives the free space of the model directory's disk, or null when there is no such directory", async () => {
    const free = await freeStorageGb(tempKittHome());
    expect(free).toBeGreaterThan(0);
    expect(await freeStorageGb(join(tempKittHome(), "missing", "models"))).toBeNull();
  });
});
