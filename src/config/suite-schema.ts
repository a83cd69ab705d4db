/**
 * Schemas for suite files (`configs/suites/*.yaml`) and for the settings every test shares.
 * A benchmark's own config schema extends `baseTestConfigSchema` (and `samplingShape` when it
 * generates text), so suite-level settings and the benchmark agree on key names.
 */
import { z } from "zod";

/** Sampling settings, as suites and tests spell them. All optional: engines keep their own defaults. */
export const samplingShape = {
  temperature: z.number().min(0).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
};

export const samplingSchema = z.strictObject(samplingShape);
export type SamplingConfig = z.output<typeof samplingSchema>;

/** Settings every test understands. */
export const baseTestConfigSchema = z.object({
  /** Untimed calls before measuring; 0 turns warmup off for this test. */
  warmup_iterations: z.number().int().min(0).default(5),
  warmup_max_tokens: z.number().int().positive().default(10),
});
export type BaseTestConfig = z.output<typeof baseTestConfigSchema>;

const settingsSchema = z.record(z.string(), z.unknown());

/**
 * A `tests:` entry: a test name, or `{name, runs?, ...settings}` with settings for that test only
 * and, in `runs`, how often it repeats when that differs from the suite's `runs`.
 */
const testEntrySchema = z.union(
  [z.string().min(1), z.looseObject({ name: z.string().min(1), runs: z.number().int().positive().optional() })],
  { error: "expected a test name, or a mapping with a `name` and that test's settings" },
);

export const suiteFileSchema = z.strictObject({
  suite_name: z.string().min(1),
  version: z.union([z.string(), z.number()]).transform(String).default("1"),
  description: z.string().optional(),
  tests: z.array(testEntrySchema).min(1),
  /** How many times each test runs, unless its entry says otherwise; `--runs` overrides both. */
  runs: z.number().int().positive().default(1),
  /** Settings for every test; keys a test does not know are ignored by that test. */
  global_config: settingsSchema.default({}),
  /** Sampling settings applied to every test, above `global_config`. */
  sampling_overrides: samplingSchema.default({}),
  /** Settings per test name, above everything else. */
  test_overrides: z.record(z.string(), settingsSchema).default({}),
});
export type SuiteFile = z.output<typeof suiteFileSchema>;
