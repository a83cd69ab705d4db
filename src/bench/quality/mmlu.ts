/** `mmlu`: MMLU, 5-shot by default (the Open LLM Leaderboard's setting), overall, per subject and per category. */
import { z } from "zod";
import { selectBySubject } from "../../quality/data/selection.js";
import { loadMmluData } from "../../quality/data/task-data.js";
import { planMmlu } from "../../quality/tasks/mmlu/plan.js";
import { createMmluTask } from "../../quality/tasks/mmlu/prompts.js";
import type { Benchmark } from "../types.js";
import { documentSelection, qualityConfigSchema } from "./quality-config.js";
import { dataOptions, runQualityBenchmark } from "./run-quality-benchmark.js";

export const mmluConfigSchema = qualityConfigSchema.extend({
  shots: z.number().int().min(0).max(5).default(5),
  /** Only these subjects (e.g. `astronomy`); all 57 by default. */
  subjects: z.array(z.string().min(1)).min(1).optional(),
});

export const mmluBenchmark: Benchmark<typeof mmluConfigSchema> = {
  name: "mmlu",
  category: "quality",
  version: "1.0.0",
  description: "MMLU multiple choice (lm-evaluation-harness prompts): accuracy overall, per subject and per category.",
  configSchema: mmluConfigSchema,
  headlineMetrics: ["method", "acc", "exact_match", "n", "truncated_prompts"],
  run: (ctx) =>
    runQualityBenchmark(ctx, "mmlu", async (engine, method) => {
      const { config } = ctx;
      const { data, source } = await loadMmluData(dataOptions(ctx));
      const documents = selectBySubject(data.test, { ...documentSelection(config), subjects: config.subjects });
      const task = createMmluTask(data, { shots: config.shots, documents });
      return {
        plan: planMmlu(task, { engine, method, topK: config.top_k }),
        settings: { data_source: source, shots: config.shots, subjects: config.subjects ?? null },
        categories: data.categories,
      };
    }),
};
