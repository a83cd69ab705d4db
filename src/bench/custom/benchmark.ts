/**
 * A custom test as a `Benchmark` (category "quality"), so suites list it by name. It runs on the
 * quality runner: items evaluated concurrently with progress and an ETA, every record in a
 * checkpoint (`resume: true` continues a killed run) and in the gzip outputs file
 * `~/.kitt/quality/<name>_<hash>.jsonl.gz` (prompt, output, expected, passed, reason per item).
 *
 * Metrics: `score` (the share of items that passed) with its standard error, `n`, `correct`, and
 * `per_scoring` (the same per scoring type) when items are scored in more than one way.
 */
import { z } from "zod";
import { baseTestConfigSchema } from "../../config/suite-schema.js";
import { requestCapacity } from "../../engines/model-context.js";
import type { JsonValue } from "../../json.js";
import type { GenerateRequest } from "../../protocols/types.js";
import { cutAtStop } from "../../quality/engine/greedy.js";
import type { ItemRecord } from "../../quality/run/item-record.js";
import type { PlannedItem } from "../../quality/run/run-items.js";
import { runCheckpointed } from "../../quality/run/run-plan.js";
import { meanStderr } from "../../quality/scoring/summary.js";
import { formatEta, itemConcurrency } from "../quality/run-quality-benchmark.js";
import type { Benchmark, BenchmarkContext, Metrics } from "../types.js";
import { warmUp } from "../warmup.js";
import type { CustomItem, CustomTest } from "./test-file.js";

/** Settings a suite may give a custom test; the sampling defaults come from the test file. */
export function customConfigSchema(test: Pick<CustomTest, "sampling">) {
  return baseTestConfigSchema.extend({
    warmup_iterations: z.number().int().min(0).default(0),
    /** The first N items only. */
    limit: z.number().int().positive().optional(),
    /** Items evaluated at once; by default as many as keep the engine busy, never more than its slots (see `itemConcurrency`). */
    concurrency: z.number().int().positive().optional(),
    /** Continue from the checkpoint a killed run with the same settings left. */
    resume: z.boolean().default(false),
    temperature: z.number().min(0).default(test.sampling.temperature),
    max_tokens: z.number().int().positive().default(test.sampling.max_tokens),
    top_p: z.number().gt(0).max(1).optional(),
    seed: z.number().int().optional(),
  });
}
export type CustomConfigSchema = ReturnType<typeof customConfigSchema>;
export type CustomConfig = z.output<CustomConfigSchema>;

export interface CustomBenchmarkOptions {
  /** Where checkpoints and outputs go (`KITT_HOME`); the process's environment by default. */
  env?: NodeJS.ProcessEnv;
}

export function customBenchmark(test: CustomTest, options: CustomBenchmarkOptions = {}): Benchmark<CustomConfigSchema> {
  return {
    name: test.name,
    category: "quality",
    version: test.version,
    description: test.description,
    configSchema: customConfigSchema(test),
    headlineMetrics: ["method", "score", "score_stderr", "n"],
    run: (ctx) => runCustomTest(test, ctx, options.env ?? process.env),
  };
}

async function runCustomTest(test: CustomTest, ctx: BenchmarkContext<CustomConfig>, env: NodeJS.ProcessEnv) {
  const { config } = ctx;
  const items = config.limit === undefined ? test.items : test.items.slice(0, config.limit);
  const sampling = {
    temperature: config.temperature,
    topP: config.top_p ?? test.sampling.top_p,
    seed: config.seed ?? test.sampling.seed,
  };
  const warmupTimes = await warmUp(ctx, sampling);

  const planned: PlannedItem[] = items.map((item) => ({
    key: item.key,
    evaluate: (signal) => evaluateItem(test, item, ctx, { ...sampling, maxTokens: config.max_tokens }, signal),
  }));
  const run = await runCheckpointed({
    task: test.name,
    method: "generation",
    items: planned,
    engine: { name: ctx.engine.spec.name, model: ctx.engine.modelName },
    settings: {
      test_version: test.version,
      content: test.contentHash,
      limit: config.limit ?? null,
      temperature: sampling.temperature,
      top_p: sampling.topP ?? null,
      seed: sampling.seed ?? null,
      max_tokens: config.max_tokens,
    },
    signal: ctx.signal,
    concurrency: itemConcurrency(ctx.engine, await requestCapacity(ctx.engine), config.concurrency),
    resume: config.resume,
    run: ctx.runNumber,
    env,
    onProgress: (progress) =>
      ctx.onProgress({
        phase: "measure",
        completed: progress.completed,
        total: progress.total,
        failed: progress.failed,
        message: progress.etaSeconds === null ? undefined : `${test.name}, about ${formatEta(progress.etaSeconds)} left`,
      }),
  });
  const metrics: Metrics = { ...customMetrics(test, run.records), ...run.bookkeeping };
  return {
    metrics,
    errors: run.errors,
    warmupTimes,
    passed: run.errors.length === 0 && !run.stopped,
    partial: run.stopped,
    cause: run.cause,
  };
}

async function evaluateItem(
  test: CustomTest,
  item: CustomItem,
  ctx: BenchmarkContext<CustomConfig>,
  sampling: Pick<GenerateRequest, "maxTokens" | "temperature" | "topP" | "seed">,
  signal: AbortSignal,
): Promise<ItemRecord> {
  const stop = test.sampling.stop;
  const request: GenerateRequest = {
    ...(test.systemPrompt === undefined
      ? { prompt: item.prompt }
      : { messages: [{ role: "system", content: test.systemPrompt }, { role: "user", content: item.prompt }] }),
    ...sampling,
    stop: stop.length > 0 ? [...stop] : undefined,
  };
  const result = await ctx.engine.generate(request, signal);
  const output = cutAtStop(result.text, stop);
  const verdict = item.scoring.score(output, item.expected);
  return {
    key: item.key,
    scores: { score: verdict.passed ? 1 : 0 },
    detail: {
      prompt: item.prompt,
      output,
      expected: item.expected ?? null,
      passed: verdict.passed,
      reason: verdict.reason,
      scoring: item.scoring.spec.type,
    },
  };
}

function summary(scores: readonly number[]): { n: number; score: number | null; score_stderr: number | null } {
  if (scores.length === 0) return { n: 0, score: null, score_stderr: null };
  const stderr = meanStderr(scores);
  return {
    n: scores.length,
    score: scores.reduce((sum, value) => sum + value, 0) / scores.length,
    score_stderr: Number.isNaN(stderr) ? null : stderr,
  };
}

/** A run's records as metrics: overall, and per scoring type when the test mixes them. */
export function customMetrics(test: Pick<CustomTest, "name" | "version" | "file" | "scoringTypes">, records: readonly ItemRecord[]): Metrics {
  const scores = records.map((record) => record.scores.score ?? 0);
  const metrics: Metrics = {
    task: test.name,
    method: "generation",
    scoring: test.scoringTypes.join(", "),
    ...summary(scores),
    correct: scores.filter((score) => score === 1).length,
    test_file: test.file,
    test_version: test.version,
  };
  if (test.scoringTypes.length > 1) {
    const perType: Record<string, JsonValue> = {};
    for (const type of test.scoringTypes) {
      perType[type] = summary(records.filter((record) => record.detail.scoring === type).map((record) => record.scores.score ?? 0));
    }
    metrics.per_scoring = perType;
  }
  return metrics;
}
