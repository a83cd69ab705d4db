/** `gsm8k`: GSM8K by greedy generation, 5-shot by default; `cot: true` runs `gsm8k_cot` (8 fixed exemplars). */
import { z } from "zod";
import { selectDocuments } from "../../quality/data/selection.js";
import { loadGsm8kData } from "../../quality/data/task-data.js";
import { planGsm8k } from "../../quality/tasks/gsm8k/plan.js";
import { GSM8K_DEFAULT_SHOTS, createGsm8kTask } from "../../quality/tasks/gsm8k/prompts.js";
import { createGsm8kCotTask } from "../../quality/tasks/gsm8k/prompts-cot.js";
import type { Benchmark } from "../types.js";
import { documentSelection, qualityConfigSchema } from "./quality-config.js";
import { dataOptions, runQualityBenchmark } from "./run-quality-benchmark.js";

export const gsm8kConfigSchema = qualityConfigSchema.extend({
  shots: z.number().int().min(0).default(GSM8K_DEFAULT_SHOTS),
  cot: z.boolean().default(false),
});

export const gsm8kBenchmark: Benchmark<typeof gsm8kConfigSchema> = {
  name: "gsm8k",
  category: "quality",
  version: "1.0.0",
  description: "GSM8K grade-school maths by greedy generation: exact match after the strict and flexible filters.",
  configSchema: gsm8kConfigSchema,
  headlineMetrics: ["method", "exact_match_strict", "exact_match_flexible", "n", "truncated_prompts"],
  run: (ctx) =>
    runQualityBenchmark(ctx, "gsm8k", async (engine, method) => {
      const { config } = ctx;
      const { data, source } = await loadGsm8kData(dataOptions(ctx));
      const documents = selectDocuments(data.test, documentSelection(config));
      const task = config.cot ? createGsm8kCotTask(data, { documents }) : createGsm8kTask(data, { shots: config.shots, documents });
      return { plan: planGsm8k(task, { engine, method, topK: config.top_k }), settings: { data_source: source, shots: config.cot ? 8 : config.shots, cot: config.cot } };
    }),
};
