/**
 * How fast the SQLite store lists and compares runs: fills a temp database with 10,000 runs
 * (one test and 20 metrics each, written in batches of 500 runs per transaction), then times
 * filtered listings and a 10-run metric comparison. Run: `npx tsx scripts/bench-store.ts`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/store/results-store.js";
import { writeTransaction } from "../src/store/write-transaction.js";
import { scriptArgs } from "./lib/script-args.js";

scriptArgs("npx tsx scripts/bench-store.ts", {});

const RUNS = 10_000;
const BATCH = 500;
const REPEATS = 15;
const models = Array.from({ length: 20 }, (_, i) => `model-${i}`);
const engines = ["vllm", "llama_cpp", "sglang", "tgi", "ollama"];
const suites = ["quick", "standard", "performance"];
const day = 86_400_000;
const start = Date.UTC(2025, 0, 1);

const dir = await mkdtemp(join(tmpdir(), "kitt-bench-store-"));
try {
  await using store = await openStore({ url: join(dir, "kitt.db") });
  const fillStart = performance.now();
  for (let offset = 0; offset < RUNS; offset += BATCH) {
    await writeTransaction(store.db, store.dialect, async (tx) => {
      const runs = [];
      const benchmarks = [];
      const metrics = [];
      for (let i = offset; i < offset + BATCH; i++) {
        const id = randomUUID();
        const benchmarkId = randomUUID();
        runs.push({
          id, kind: "run" as const, model: models[i % models.length]!, engine: engines[i % engines.length]!, engine_version: null, image_digest: null,
          suite: suites[i % suites.length]!, suite_version: "1.0.0", runtime: "docker", started_at: start + Math.floor((i * 365 * day) / RUNS),
          finished_at: null, status: "completed" as const, passed: 1, stop_reason: null, kitt_version: "0.1.0", config: "{}", hardware_id: null,
          owner_host: null, owner_pid: null, source: null,
        });
        benchmarks.push({
          id: benchmarkId, run_id: id, position: 0, test_name: "throughput", test_version: "1.0.0", category: "performance", run_number: 1,
          passed: 1, partial: 0, errors: "[]", warmup_times: "[]", started_at: null, duration_seconds: 1, metrics_doc: "{}",
        });
        for (let m = 0; m < 20; m++) metrics.push({ benchmark_id: benchmarkId, run_id: id, name: `metric_${m}`, value: Math.random() * 100 });
      }
      await tx.insertInto("runs").values(runs).execute();
      await tx.insertInto("benchmarks").values(benchmarks).execute();
      for (let m = 0; m < metrics.length; m += 2_000) await tx.insertInto("metrics").values(metrics.slice(m, m + 2_000)).execute();
    });
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;

  const median = async (work: () => Promise<unknown>): Promise<number> => {
    await work();
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      await work();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  };
  const cases: [string, () => Promise<unknown>][] = [
    ["list, no filter (50)", () => store.listRuns()],
    ["list, all 10,000", () => store.listRuns({ limit: RUNS })],
    ["list, model filter", () => store.listRuns({ model: "model-7", limit: RUNS })],
    ["list, engine + suite + since", () => store.listRuns({ engine: "vllm", suite: "quick", since: start + 180 * day, limit: RUNS })],
    ["list, model + date range", () => store.listRuns({ model: "model-3", since: start + 30 * day, until: start + 200 * day, limit: RUNS })],
  ];
  const ten = (await store.listRuns({ limit: 10 })).map((run) => run.id);
  cases.push(["compare 10 runs' metrics", () => store.compareMetrics(ten)]);

  console.log(`filled ${RUNS} runs (${RUNS * 20} metrics) in ${fillSeconds.toFixed(1)} s`);
  for (const [name, work] of cases) console.log(`${name.padEnd(32)} ${(await median(work)).toFixed(2).padStart(8)} ms (median of ${REPEATS})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
