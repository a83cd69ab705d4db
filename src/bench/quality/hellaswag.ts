/**
 * `hellaswag`: HellaSwag validation, 10-shot by default (the Open LLM Leaderboard's setting):
 * acc and acc_norm by log-likelihood, or the lettered fallback reported as `lettered_acc`.
 */
import { z } from "zod";
import { selectDocuments } from "../../quality/data/selection.js";
import { loadHellaswagData } from "../../quality/data/task-data.js";
import { planHellaswag } from "../../quality/tasks/hellaswag/plan.js";
import { createHellaswagTask, processHellaswagDoc } from "../../quality/tasks/hellaswag/prompts.js";
import type { Benchmark } from "../types.js";
import { documentSelection, qualityConfigSchema } from "./quality-config.js";
import { dataOptions, runQualityBenchmark } from "./run-quality-benchmark.js";

export const hellaswagConfigSchema = qualityConfigSchema.extend({
  shots: z.number().int().min(0).default(10),
});

export const hellaswagBenchmark: Benchmark<typeof hellaswagConfigSchema> = {
  name: "hellaswag",
  category: "quality",
  version: "1.0.0",
  description: "HellaSwag sentence completion: acc and acc_norm by log-likelihood, or the lettered fallback (lettered_acc).",
  configSchema: hellaswagConfigSchema,
  headlineMetrics: ["method", "acc_norm", "acc", "lettered_acc", "n", "truncated_prompts"],
  run: (ctx) =>
    runQualityBenchmark(ctx, "hellaswag", async (engine, method) => {
      const { config } = ctx;
      // The train split is only the few-shot pool: not downloaded for 0-shot runs.
      const { data, source } = await loadHellaswagData({ ...dataOptions(ctx), train: config.shots > 0 });
      const documents = selectDocuments(data.validation.map(processHellaswagDoc), documentSelection(config));
      const task = createHellaswagTask(data, { shots: config.shots, documents });
      return { plan: planHellaswag(task, { engine, method, topK: config.top_k }), settings: { data_source: source, shots: config.shots } };
    }),
};
