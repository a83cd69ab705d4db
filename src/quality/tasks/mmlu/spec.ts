/** `mmlu`: MMLU, 5-shot by default (the Open LLM Leaderboard's setting), overall, per subject and per category. */
import { z } from "zod";
import { selectBySubject } from "../../data/selection.js";
import type { QualityTaskSpec } from "../spec.js";
import { loadMmluData } from "./dataset.js";
import { MMLU_METHODS, planMmlu } from "./plan.js";
import { createMmluTask } from "./prompts.js";

const settings = {
  shots: z.number().int().min(0).max(5).default(5),
  /** Only these subjects (e.g. `astronomy`); all 57 by default. */
  subjects: z.array(z.string().min(1)).min(1).optional(),
};

export const mmluSpec: QualityTaskSpec<typeof settings> = {
  name: "mmlu",
  version: "1.0.0",
  description: "MMLU multiple choice (lm-evaluation-harness prompts): accuracy overall, per subject and per category.",
  headlineMetrics: ["method", "acc", "exact_match", "n", "truncated_prompts"],
  accuracyMetrics: ["acc", "exact_match"],
  methods: MMLU_METHODS,
  settings,
  async plan({ settings, selection, data: dataOptions, ...options }) {
    const { data, source } = await loadMmluData(dataOptions);
    const documents = selectBySubject(data.test, { ...selection, subjects: settings.subjects });
    const task = createMmluTask(data, { shots: settings.shots, documents });
    return { plan: planMmlu(task, options), source, settings: { shots: settings.shots, subjects: settings.subjects ?? null } };
  },
};
