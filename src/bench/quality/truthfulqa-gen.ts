/**
 * `truthfulqa_gen`: TruthfulQA by greedy generation behind the QA primer, scored as
 * lm-evaluation-harness's `truthfulqa_gen` does — BLEU (sacrebleu, "intl" tokens) and ROUGE-1/2/Lsum
 * of the answer against the true and the false references: `_max`, `_diff` and `_acc` for each.
 * Generation only, so it runs on every engine. Reads the `truthfulqa` data (`TruthfulQA.csv`, or
 * the Hub's `generation` config).
 */
import { selectDocuments } from "../../quality/data/selection.js";
import { loadTruthfulQaGenData } from "../../quality/data/task-data.js";
import { planTruthfulQaGen } from "../../quality/tasks/truthfulqa_gen/plan.js";
import { createTruthfulQaGenerationTask } from "../../quality/tasks/truthfulqa_gen/prompts.js";
import type { Benchmark } from "../types.js";
import { documentSelection, qualityConfigSchema } from "./quality-config.js";
import { dataOptions, runQualityBenchmark } from "./run-quality-benchmark.js";

export const truthfulqaGenConfigSchema = qualityConfigSchema;

export const truthfulqaGenBenchmark: Benchmark<typeof truthfulqaGenConfigSchema> = {
  name: "truthfulqa_gen",
  category: "quality",
  version: "1.0.0",
  description: "TruthfulQA by greedy generation: BLEU and ROUGE against true vs false answers (max, diff, acc), as lm-evaluation-harness.",
  configSchema: truthfulqaGenConfigSchema,
  headlineMetrics: ["method", "bleu_acc", "rouge1_acc", "rougeL_acc", "bleu_max", "n", "truncated_prompts"],
  run: (ctx) =>
    runQualityBenchmark(ctx, "truthfulqa_gen", async (engine, method) => {
      const { config } = ctx;
      const { data, source } = await loadTruthfulQaGenData(dataOptions(ctx));
      const documents = selectDocuments(data, documentSelection(config));
      return { plan: planTruthfulQaGen(createTruthfulQaGenerationTask(documents), { engine, method, topK: config.top_k }), settings: { data_source: source } };
    }),
};
