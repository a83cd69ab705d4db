/** `gsm8k`: GSM8K by greedy generation, 5-shot by default; `cot: true` runs `gsm8k_cot` (8 fixed exemplars). */
import { z } from "zod";
import { selectDocuments } from "../../data/selection.js";
import type { QualityTaskSpec } from "../spec.js";
import { loadGsm8kData } from "./dataset.js";
import { GSM8K_METHODS, planGsm8k } from "./plan.js";
import { GSM8K_DEFAULT_SHOTS, createGsm8kTask } from "./prompts.js";
import { createGsm8kCotTask } from "./prompts-cot.js";

const settings = {
  shots: z.number().int().min(0).default(GSM8K_DEFAULT_SHOTS),
  cot: z.boolean().default(false),
};

export const gsm8kSpec: QualityTaskSpec<typeof settings> = {
  name: "gsm8k",
  version: "1.0.0",
  description: "GSM8K grade-school maths by greedy generation: exact match after the strict and flexible filters.",
  headlineMetrics: ["method", "exact_match_strict", "exact_match_flexible", "n", "truncated_prompts"],
  accuracyMetrics: ["exact_match_strict"],
  methods: GSM8K_METHODS,
  settings,
  async plan({ settings, selection, data: dataOptions, ...options }) {
    const { shots, cot } = settings;
    const { data, source } = await loadGsm8kData(dataOptions);
    const documents = selectDocuments(data.test, selection);
    const task = cot ? createGsm8kCotTask(data, { documents }) : createGsm8kTask(data, { shots, documents });
    return { plan: planGsm8k(task, options), source, settings: { shots: cot ? 8 : shots, cot } };
  },
};
