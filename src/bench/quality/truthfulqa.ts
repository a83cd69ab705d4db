/**
 * `truthfulqa`: TruthfulQA multiple choice, 0-shot behind the QA primer: mc1 and mc2 by
 * log-likelihood, or, on engines without prompt log-probabilities, the lettered mc1 fallback
 * reported as `lettered_acc`.
 */
import { selectDocuments } from "../../quality/data/selection.js";
import { loadTruthfulQaMcData } from "../../quality/data/task-data.js";
import { planTruthfulQa } from "../../quality/tasks/truthfulqa/plan.js";
import { createTruthfulQaMcTask } from "../../quality/tasks/truthfulqa/prompts.js";
import type { Benchmark } from "../types.js";
import { documentSelection, qualityConfigSchema } from "./quality-config.js";
import { dataOptions, runQualityBenchmark } from "./run-quality-benchmark.js";

export const truthfulqaConfigSchema = qualityConfigSchema;

export const truthfulqaBenchmark: Benchmark<typeof truthfulqaConfigSchema> = {
  name: "truthfulqa",
  category: "quality",
  version: "1.0.0",
  description: "TruthfulQA multiple choice: mc1 and mc2 by log-likelihood, or the lettered fallback (lettered_acc).",
  configSchema: truthfulqaConfigSchema,
  headlineMetrics: ["method", "mc1", "mc2", "lettered_acc", "n", "truncated_prompts"],
  run: (ctx) =>
    runQualityBenchmark(ctx, "truthfulqa", async (engine, method) => {
      const { config } = ctx;
      const { data, source } = await loadTruthfulQaMcData(dataOptions(ctx));
      const documents = selectDocuments(data, documentSelection(config));
      return { plan: planTruthfulQa(createTruthfulQaMcTask(documents), { engine, method, topK: config.top_k }), settings: { data_source: source } };
    }),
};
