/**
 * A quality task (`src/quality/tasks/<task>/spec.ts`) as a test suites can list: the settings
 * every quality test shares plus the task's own, run by `runQualityBenchmark`.
 */
import type { z } from "zod";
import type { QualityTaskSpec } from "../../quality/tasks/spec.js";
import type { Benchmark } from "../types.js";
import { documentSelection, qualityConfigSchema, type QualityConfig } from "./quality-config.js";
import { dataOptions, runQualityBenchmark } from "./run-quality-benchmark.js";

export function qualityBenchmark<Settings extends z.ZodRawShape>(task: QualityTaskSpec<Settings>) {
  const configSchema = qualityConfigSchema.extend(task.settings);
  const benchmark: Benchmark<typeof configSchema> = {
    name: task.name,
    category: "quality",
    version: task.version,
    description: task.description,
    configSchema,
    headlineMetrics: task.headlineMetrics,
    run: (ctx) => {
      // What the schema above parses to; TypeScript cannot follow zod's `extend` through the generic.
      const config = ctx.config as QualityConfig & z.output<z.ZodObject<Settings>>;
      const context = { ...ctx, config };
      return runQualityBenchmark(context, task, (engine, method) =>
        task.plan({ settings: config, selection: documentSelection(config), data: dataOptions(context), engine, method, topK: config.top_k }),
      );
    },
  };
  return benchmark;
}
