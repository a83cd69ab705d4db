/**
 * The built-in quality tasks, in the order `kitt test list` and the registry show them. Adding a
 * task means adding its folder (with a `spec.ts`) and its line here.
 */
import { gsm8kSpec } from "./gsm8k/spec.js";
import { hellaswagSpec } from "./hellaswag/spec.js";
import { mmluSpec } from "./mmlu/spec.js";
import type { QualityTaskSpec } from "./spec.js";
import { truthfulqaSpec } from "./truthfulqa/spec.js";
import { truthfulqaGenSpec } from "./truthfulqa_gen/spec.js";

export const QUALITY_TASKS: readonly QualityTaskSpec[] = [mmluSpec, gsm8kSpec, truthfulqaSpec, truthfulqaGenSpec, hellaswagSpec];
