/**
 * `hellaswag`: HellaSwag validation, 10-shot by default (the Open LLM Leaderboard's setting):
 * acc and acc_norm by log-likelihood, or the lettered fallback reported as `lettered_acc`.
 */
import { z } from "zod";
import { loadHellaswag } from "../../quality/data/hellaswag.js";
import { resolveTaskDir } from "../../quality/data/resolve.js";
import { sampleDocuments } from "../../quality/data/sampling.js";
import { planHellaswag } from "../../quality/run/plan-hellaswag.js";
import { createHellaswagTask, processHellaswagDoc } from "../../quality/tasks/hellaswag.js";
import type { Benchmark } from "../types.js";
import { qualityConfigSchema } from "./quality-config.js";
import { runQualityBenchmark } from "./run-quality-benchmark.js";

export const hellaswagConfigSchema = qualityConfigSchema.extend({
  shots: z.number().int().min(0).default(10),
});

export const hellaswagBenchmark: Benchmark<typeof hellaswagConfigSchema> = {
  name: "hellaswag",
  category: "quality",
  version: "1.0.0",
  description: "HellaSwag sentence completion: acc and acc_norm by log-likelihood, or the lettered fallback (lettered_acc).",
  configSchema: hellaswagConfigSchema,
  headlineMetrics: ["method", "acc_norm", "acc", "lettered_acc", "n"],
  run: (ctx) =>
    runQualityBenchmark(ctx, "hellaswag", (engine, method) => {
      const { config } = ctx;
      const dataDir = resolveTaskDir("hellaswag", config.data_dir);
      const data = loadHellaswag(dataDir);
      const documents = sampleDocuments(data.validation.map(processHellaswagDoc), config.limit);
      const task = createHellaswagTask(data, { shots: config.shots, documents });
      return { plan: planHellaswag(task, { engine, method, topK: config.top_k }), settings: { data_dir: dataDir, shots: config.shots } };
    }),
};
