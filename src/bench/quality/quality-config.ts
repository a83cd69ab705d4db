/**
 * Settings every quality test shares. Warmup is off by default: nothing here is timed.
 * `method` forces a scoring method (it must suit the task and the engine); otherwise the best
 * the engine allows is chosen (see `chooseMethod`).
 */
import { z } from "zod";
import { baseTestConfigSchema } from "../../config/suite-schema.js";
import { DATA_SOURCES } from "../../quality/data/resolve.js";
import { DEFAULT_SAMPLE_SEED, type Selection } from "../../quality/data/selection.js";
import { DEFAULT_MAX_GEN_TOKENS } from "../../quality/engine/greedy.js";
import { TRUNCATE_MODES } from "../../quality/engine/prompt-window.js";
import { DEFAULT_TOP_K } from "../../quality/engine/top-k.js";

export const SCORING_METHODS = ["loglikelihood", "top_k_letters", "generation", "lettered_generation"] as const;

export const qualityConfigSchema = baseTestConfigSchema.extend({
  warmup_iterations: z.number().int().min(0).default(0),
  /** The first N documents, as the harness's `--limit` (MMLU: per subject). */
  limit: z.number().int().positive().optional(),
  /** N documents drawn at random with `sample_seed` (MMLU: per subject; from the first `limit` when set too). */
  sample: z.number().int().positive().optional(),
  /** Seed of the `sample` draw (Python's `random.Random(seed).sample`). */
  sample_seed: z.number().int().min(0).default(DEFAULT_SAMPLE_SEED),
  method: z.enum(SCORING_METHODS).optional(),
  /** Documents evaluated at once; by default as many as keep the engine busy, never more than its slots (see `itemConcurrency`). */
  concurrency: z.number().int().positive().optional(),
  /** The task's data folder; `$KITT_DATASETS_DIR/<task>` when unset. */
  data_dir: z.string().min(1).optional(),
  /**
   * Where data comes from: `auto` (data_dir, else `$KITT_DATASETS_DIR/<task>`, else the Hugging
   * Face Hub, downloaded once into kitt's cache), `local` (never download) or `hub`.
   */
  source: z.enum(DATA_SOURCES).default("auto"),
  /** Hub revision (commit, branch or tag) instead of the task's pinned commit. */
  revision: z.string().min(1).optional(),
  /** Continue from the checkpoint a killed run with the same settings left. */
  resume: z.boolean().default(false),
  /** Alternatives asked for by `top_k_letters` (engines cap it: vLLM and Ollama at 20, TGI at 5). */
  top_k: z.number().int().positive().default(DEFAULT_TOP_K),
  /** Longest generation, for the generating methods. */
  max_gen_tokens: z.number().int().positive().default(DEFAULT_MAX_GEN_TOKENS),
  /** `left`: prompts longer than the engine's context lose their oldest tokens, as in the harness; `never`: sent whole (the item fails). */
  truncate: z.enum(TRUNCATE_MODES).default("left"),
  /** Log-likelihood requests start with the tokenizer's BOS (lm-evaluation-harness's `add_bos_token`, off by default). */
  add_bos_token: z.boolean().default(false),
});
export type QualityConfig = z.output<typeof qualityConfigSchema>;

/** Which documents a test evaluates, from its `limit`, `sample` and `sample_seed`. */
export function documentSelection(config: QualityConfig): Selection {
  return { limit: config.limit, sample: config.sample, seed: config.sample_seed };
}
