/**
 * A quality task as kitt runs it: its test name, the settings it adds to those every quality test
 * shares, the methods it can be scored by, and how it builds its plan. Each task has its own
 * folder here (data, prompts, plan, scoring) ending in a `spec.ts`; `registry.ts` lists them.
 */
import type { z } from "zod";
import type { Selection } from "../data/selection.js";
import type { TaskDataOptions } from "../data/task-data.js";
import type { TaskMethods } from "../run/choose-method.js";
import type { PlanOptions, QualityPlan } from "../run/plan.js";

export interface PlanRequest<Settings> extends PlanOptions {
  /** The test's config, the task's own settings included. */
  settings: Settings;
  /** Which documents to evaluate (`limit`, `sample`, `sample_seed`). */
  selection: Selection;
  /** Where the data comes from (`data_dir`, `source`, `revision`), with download progress. */
  data: TaskDataOptions;
}

export interface BuiltPlan {
  plan: QualityPlan;
  /** Where the documents came from: the folder, or `hub:<repo>@<revision>`. */
  source: string;
  /** The task's own settings that decide the records (shots, subjects...): part of the checkpoint hash. */
  settings: Record<string, unknown>;
}

export interface QualityTaskSpec<Settings extends z.ZodRawShape = z.ZodRawShape> extends TaskMethods {
  readonly version: string;
  readonly description: string;
  /** Metric keys worth a column in summaries, most important first. */
  readonly headlineMetrics: readonly string[];
  /**
   * The metric that stands for the task's accuracy (`kitt recommend`), first one present wins since
   * it depends on the method; empty when the task measures no accuracy.
   */
  readonly accuracyMetrics: readonly string[];
  /** The settings it adds to the shared ones, each with a default. */
  readonly settings: Settings;
  plan(request: PlanRequest<z.output<z.ZodObject<Settings>>>): Promise<BuiltPlan>;
}
