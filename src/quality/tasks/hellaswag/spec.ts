/**
 * `hellaswag`: HellaSwag validation, 10-shot by default (the Open LLM Leaderboard's setting):
 * acc and acc_norm by log-likelihood, or the lettered fallback reported as `lettered_acc`.
 */
import { z } from "zod";
import { selectDocuments } from "../../data/selection.js";
import type { QualityTaskSpec } from "../spec.js";
import { loadHellaswagData } from "./dataset.js";
import { HELLASWAG_METHODS, planHellaswag } from "./plan.js";
import { createHellaswagTask, processHellaswagDoc } from "./prompts.js";

const settings = {
  shots: z.number().int().min(0).default(10),
};

export const hellaswagSpec: QualityTaskSpec<typeof settings> = {
  name: "hellaswag",
  version: "1.0.0",
  description: "HellaSwag sentence completion: acc and acc_norm by log-likelihood, or the lettered fallback (lettered_acc).",
  headlineMetrics: ["method", "acc_norm", "acc", "lettered_acc", "n", "truncated_prompts"],
  accuracyMetrics: ["acc_norm", "lettered_acc"],
  methods: HELLASWAG_METHODS,
  settings,
  async plan({ settings, selection, data: dataOptions, ...options }) {
    const { shots } = settings;
    // The train split is only the few-shot pool: not downloaded for 0-shot runs.
    const { data, source } = await loadHellaswagData({ ...dataOptions, train: shots > 0 });
    const documents = selectDocuments(data.validation.map(processHellaswagDoc), selection);
    const task = createHellaswagTask(data, { shots, documents });
    return { plan: planHellaswag(task, options), source, settings: { shots } };
  },
};
