/**
 * `truthfulqa`: TruthfulQA multiple choice, 0-shot behind the QA primer: mc1 and mc2 by
 * log-likelihood, or, on engines without prompt log-probabilities, the lettered mc1 fallback
 * reported as `lettered_acc`.
 */
import { selectDocuments } from "../../data/selection.js";
import type { QualityTaskSpec } from "../spec.js";
import { loadTruthfulQaMcData } from "./dataset.js";
import { TRUTHFULQA_METHODS, planTruthfulQa } from "./plan.js";
import { createTruthfulQaMcTask } from "./prompts.js";

export const truthfulqaSpec: QualityTaskSpec<Record<never, never>> = {
  name: "truthfulqa",
  version: "1.0.0",
  description: "TruthfulQA multiple choice: mc1 and mc2 by log-likelihood, or the lettered fallback (lettered_acc).",
  headlineMetrics: ["method", "mc1", "mc2", "lettered_acc", "n", "truncated_prompts"],
  accuracyMetrics: ["mc2", "lettered_acc"],
  methods: TRUTHFULQA_METHODS,
  settings: {},
  async plan({ selection, data: dataOptions, ...options }) {
    const { data, source } = await loadTruthfulQaMcData(dataOptions);
    return { plan: planTruthfulQa(createTruthfulQaMcTask(selectDocuments(data, selection)), options), source, settings: {} };
  },
};
