/**
 * `truthfulqa_gen`: TruthfulQA by greedy generation behind the QA primer, scored as
 * lm-evaluation-harness's `truthfulqa_gen` does — BLEU (sacrebleu, "intl" tokens) and ROUGE-1/2/Lsum
 * of the answer against the true and the false references: `_max`, `_diff` and `_acc` for each.
 * Generation only, so it runs on every engine. Reads the `truthfulqa` data (`TruthfulQA.csv`, or
 * the Hub's `generation` config).
 */
import { selectDocuments } from "../../data/selection.js";
import type { QualityTaskSpec } from "../spec.js";
import { loadTruthfulQaGenData } from "./data.js";
import { TRUTHFULQA_GEN_METHODS, planTruthfulQaGen } from "./plan.js";
import { createTruthfulQaGenerationTask } from "./prompts.js";

export const truthfulqaGenSpec: QualityTaskSpec<Record<never, never>> = {
  name: "truthfulqa_gen",
  version: "1.0.0",
  description: "TruthfulQA by greedy generation: BLEU and ROUGE against true vs false answers (max, diff, acc), as lm-evaluation-harness.",
  headlineMetrics: ["method", "bleu_acc", "rouge1_acc", "rougeL_acc", "bleu_max", "n", "truncated_prompts"],
  // Similarity to reference answers (BLEU/ROUGE), not an accuracy to average with the others.
  accuracyMetrics: [],
  methods: TRUTHFULQA_GEN_METHODS,
  settings: {},
  async plan({ selection, data: dataOptions, ...options }) {
    const { data, source } = await loadTruthfulQaGenData(dataOptions);
    return { plan: planTruthfulQaGen(createTruthfulQaGenerationTask(selectDocuments(data, selection)), options), source, settings: {} };
  },
};
