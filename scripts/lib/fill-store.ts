/**
 * Fills a results store with synthetic runs for the speed scripts: `runs` runs spread over a
 * year, 20 models, 5 engines, 3 suites, one test with 20 metrics each, 500 runs per transaction.
 */
import { randomUUID } from "node:crypto";
import type { ResultsStore } from "../../src/store/results-store.js";
import { writeTransaction } from "../../src/store/write-transaction.js";

const BATCH = 500;
export const FILL_DAY = 86_400_000;
export const FILL_START = Date.UTC(2025, 0, 1);
export const FILL_ENGINES = ["vllm", "llama_cpp", "sglang", "tgi", "ollama"] as const;
const models = Array.from({ length: 20 }, (_, i) => `model-${i}`);
const suites = ["quick", "standard", "performance"];

export async function fillStore(store: ResultsStore, runs: number): Promise<void> {
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
          finished_at: null, status: "completed" as const, passed: 1, stop_reason: null, kitt_version: "0.1.0", config: "{}", hardware_id: null,
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
