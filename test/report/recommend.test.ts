import { describe, expect, it } from "vitest";
import { QUALITY_TASKS } from "../../src/quality/tasks/registry.js";
import { candidateFrom, recommend, type Candidate } from "../../src/report/recommend.js";

const run = (id: string, throughput: number | null, latencyMs: number | null, accuracy: number | null = null, vramGb: number | null = null): Candidate => ({
  id,
  model: "m",
  engine: "e",
  throughput,
  latencyMs,
  accuracy,
  vramGb,
});

describe("recommend", () => {
  it("reads throughput, latency, accuracy and memory from stored metric names", () => {
    const c = candidateFrom(
      { id: "a", model: "m", engine: "vllm" },
      { "serve.output_throughput": 900, "serve.median_ttft_ms": 40, "mmlu.acc": 0.6, "gsm8k.exact_match_strict": 0.4, "memory_usage.overall_peak_gpu_memory_gb": 20 },
    );
    expect(c).toMatchObject({ throughput: 900, latencyMs: 40, vramGb: 20 });
    expect(c.accuracy).toBeCloseTo(0.5, 10);
    expect(candidateFrom({ id: "b", model: "m", engine: "llama_cpp" }, { "throughput.avg_tps": 50, "throughput.p50_ttft_ms": 12 })).toMatchObject({
      throughput: 50,
      latencyMs: 12,
      accuracy: null,
      vramGb: null,
    });
  });

  it("accuracy is each quality test's own accuracy metric, whatever the task: GSM8K, TruthfulQA and HellaSwag count too", () => {
    const metrics = {
      "mmlu.acc": 0.6,
      "mmlu.subjects.astronomy.acc": 0.1,
      "gsm8k.exact_match_strict": 0.4,
      "gsm8k.exact_match_flexible": 0.9,
      "truthfulqa.mc1": 0.2,
      "truthfulqa.mc2": 0.5,
      "truthfulqa_gen.bleu_acc": 0.05,
      "hellaswag.acc": 0.3,
      "hellaswag.acc_norm": 0.7,
    };
    expect(candidateFrom({ id: "q", model: "m", engine: "vllm" }, metrics).accuracy).toBeCloseTo((0.6 + 0.4 + 0.5 + 0.7) / 4, 10);
    // Generative methods report other names; the first one present is the task's accuracy.
    const generative = { "mmlu.exact_match": 0.5, "hellaswag.lettered_acc": 0.3, "truthfulqa.lettered_acc": 0.4 };
    expect(candidateFrom({ id: "g", model: "m", engine: "vllm" }, generative).accuracy).toBeCloseTo(0.4, 10);
  });

  it("every task's accuracy metrics are among the metrics it reports", () => {
    for (const task of QUALITY_TASKS) {
      for (const metric of task.accuracyMetrics) expect(task.headlineMetrics, `${task.name}.${metric}`).toContain(metric);
    }
    expect(QUALITY_TASKS.filter((task) => task.accuracyMetrics.length === 0).map((task) => task.name)).toEqual(["truthfulqa_gen"]);
  });

  it("marks the Pareto front: faster-but-slower-to-start and slower-but-quicker both stay, a run worse on both does not", () => {
    const ranked = recommend([run("fast", 1000, 80), run("snappy", 600, 20), run("worse", 500, 90), run("same-as-fast", 1000, 80)], {});
    expect(ranked.map((c) => [c.id, c.pareto])).toEqual([
      ["fast", true],
      ["same-as-fast", true],
      ["snappy", true],
      ["worse", false],
    ]);
  });

  it("applies limits; a limit on an unmeasured figure leaves the run out", () => {
    const candidates = [run("big", 1000, 50, 0.7, 70), run("small", 400, 60, 0.65, 20), run("unmeasured", 2000, 10)];
    expect(recommend(candidates, { maxVramGb: 40 }).map((c) => c.id)).toEqual(["small"]);
    expect(recommend(candidates, { minAccuracy: 0.68 }).map((c) => c.id)).toEqual(["big"]);
    expect(recommend(candidates, { minThroughput: 900, maxLatencyMs: 55 }).map((c) => c.id)).toEqual(["unmeasured", "big"]);
  });
});

describe("kitt recommend", () => {
  it("ranks imported runs from the database and marks the front", async () => {
    const { runKitt, tempKittHome } = await import("../support/cli.js");
    const { fileURLToPath } = await import("node:url");
    const home = tempKittHome();
    for (const fixture of ["kitt-run", "kitt-serve"]) {
      const path = fileURLToPath(new URL(`../fixtures/store/${fixture}`, import.meta.url));
      const imported = await runKitt(["storage", "import", path], { KITT_HOME: home });
      expect(imported.code, imported.stderr).toBe(0);
    }
    const result = await runKitt(["recommend", "--json"], { KITT_HOME: home });
    expect(result.code, result.stderr).toBe(0);
    const ranked = JSON.parse(result.stdout) as Array<{ throughput: number | null; pareto: boolean }>;
    expect(ranked).toHaveLength(2);
    expect(ranked.every((c) => c.throughput !== null && c.throughput > 0)).toBe(true);
    expect(ranked.some((c) => c.pareto)).toBe(true);
    const limited = await runKitt(["recommend", "--json", "--max-vram", "10"], { KITT_HOME: home });
    expect(JSON.parse(limited.stdout)).toEqual([]);
  });
});
