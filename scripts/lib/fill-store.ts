/**
 * Fills a results store with synthetic runs for the speed scripts: `runs` runs spread over a
 * year, 20 models, 5 engines, 3 suites, one test with 20 metrics each, 500 runs per transaction.
 * Runs come from four machines whose hardware fingerprints are as large as real ones (an
 * 8-GPU server, two single-GPU boxes, one without a GPU), so listings pay for their GPU column.
 */
import { createHash, randomUUID } from "node:crypto";
import type { HardwareFingerprint } from "../../src/hardware/types.js";
import { stableJson } from "../../src/json.js";
import type { ResultsStore } from "../../src/store/results-store.js";
import { writeTransaction } from "../../src/store/write-transaction.js";

const BATCH = 500;
export const FILL_DAY = 86_400_000;
export const FILL_START = Date.UTC(2025, 0, 1);
export const FILL_ENGINES = ["vllm", "llama_cpp", "sglang", "tgi", "ollama"] as const;
const models = Array.from({ length: 20 }, (_, i) => `model-${i}`);
const suites = ["quick", "standard", "performance"];

function machine(gpuName: string | undefined, gpuCount: number, memoryGb: number): HardwareFingerprint {
  const gpus = Array.from({ length: gpuCount }, (_, index) => ({
    index, uuid: `GPU-${randomUUID()}`, name: gpuName ?? "", compute_capability: "9.0", memory_total_gb: memoryGb, memory_used_gb: 0.5, memory_free_gb: memoryGb - 0.5, unified_memory: false,
  }));
  return {
    ...(gpuName === undefined ? { gpu_unavailable_reason: "nvidia-smi not found" } : { gpu: { model: gpuName, vram_gb: memoryGb, count: gpuCount, compute_capability: "9.0", unified_memory: false } }),
    gpus,
    cpu: { model: "AMD EPYC 9654 96-Core Processor", cores: 96, threads: 192 },
    ram_gb: 1511.6,
    storage: { path: "/data/kitt-results", mount: "/data", device: "nvme0n1", type: "nvme" },
    ...(gpuName === undefined ? {} : { cuda_version: "12.8", driver_version: "570.124.06" }),
    os: "Ubuntu 24.04.2 LTS", kernel: "6.8.0-57-generic", arch: "x64", platform: "linux", environment_type: "native_linux",
  };
}

/** The four machines' fingerprints, as `kitt` detects them. */
export const FILL_HARDWARE: readonly HardwareFingerprint[] = [machine("NVIDIA H100 80GB HBM3", 8, 79.6), machine("NVIDIA A100-SXM4-80GB", 1, 79.2), machine("NVIDIA GeForce RTX 4090", 1, 23.5), machine(undefined, 0, 0)];

const machines = FILL_HARDWARE.map((hardware) => {
  const fingerprint = stableJson(hardware);
  return { id: createHash("sha256").update(fingerprint).digest("hex"), fingerprint, first_seen_at: FILL_START };
});

export async function fillStore(store: ResultsStore, runs: number): Promise<void> {
  await writeTransaction(store.db, store.dialect, (tx) => tx.insertInto("hardware").values(machines).execute());
  for (let offset = 0; offset < runs; offset += BATCH) {
    await writeTransaction(store.db, store.dialect, async (tx) => {
      const runRows = [];
      const benchmarks = [];
      const metrics = [];
      for (let i = offset; i < Math.min(runs, offset + BATCH); i++) {
        const id = randomUUID();
        const benchmarkId = randomUUID();
        runRows.push({
          id, kind: "run" as const, model: models[i % models.length]!, engine: FILL_ENGINES[i % FILL_ENGINES.length]!, engine_version: null, image_digest: null,
          suite: suites[i % suites.length]!, suite_version: "1.0.0", runtime: "docker", started_at: FILL_START + Math.floor((i * 365 * FILL_DAY) / runs),
          finished_at: null, status: "completed" as const, passed: 1, stop_reason: null, kitt_version: "0.1.0", config: "{}", hardware_id: machines[Math.floor(i / FILL_ENGINES.length) % machines.length]!.id,
          owner_host: null, owner_pid: null, source: null,
        });
        benchmarks.push({
          id: benchmarkId, run_id: id, position: 0, test_name: "throughput", test_version: "1.0.0", category: "performance", run_number: 1,
          passed: 1, partial: 0, errors: "[]", warmup_times: "[]", started_at: null, duration_seconds: 1, metrics_doc: "{}",
        });
        for (let m = 0; m < 20; m++) metrics.push({ benchmark_id: benchmarkId, run_id: id, name: `metric_${m}`, value: Math.random() * 100 });
      }
      await tx.insertInto("runs").values(runRows).execute();
      await tx.insertInto("benchmarks").values(benchmarks).execute();
      for (let m = 0; m < metrics.length; m += 2_000) await tx.insertInto("metrics").values(metrics.slice(m, m + 2_000)).execute();
    });
  }
}
