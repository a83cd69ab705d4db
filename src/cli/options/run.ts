/** Options of `kitt run`: the engine's, the suite's, and the settings the command line gives every quality test. */
import { DEFAULT_SAMPLE_SEED } from "../../quality/data/selection.js";
import { ENGINE_OPTIONS } from "./engine.js";
import * as parse from "./parsers.js";
import { DB_OPTION, STORE_OPTION } from "./storage.js";
import { defineOptions, type OptionsOf } from "./table.js";

export const RUN_OPTIONS = defineOptions({
  ...ENGINE_OPTIONS,
  suite: { flags: "-s, --suite <name|file>", description: "suite name or YAML file", default: "quick" },
  output: { flags: "-o, --output <dir>", description: "results folder (default ~/.kitt/results/<model>/<engine>/<time>)" },
  skipWarmup: { flags: "--skip-warmup", description: "skip warmup requests" },
  runs: { flags: "--runs <n>", description: "run every test this many times (overrides the suite's runs)", parse: parse.positiveInt },
  limit: {
    flags: "--limit <n>",
    description: "quality tests: evaluate the first N documents (MMLU: per subject), as lm-evaluation-harness's --limit",
    parse: parse.positiveInt,
  },
  sample: {
    flags: "--sample <n>",
    description: "quality tests: evaluate N documents drawn at random with --sample-seed (MMLU: per subject)",
    parse: parse.positiveInt,
  },
  sampleSeed: { flags: "--sample-seed <n>", description: `seed of the --sample draw (default ${DEFAULT_SAMPLE_SEED})`, parse: parse.nonNegativeInt },
  subjects: { flags: "--subjects <names>", description: "MMLU: only these subjects, comma-separated (e.g. astronomy,virology)", parse: parse.commaList },
  resume: { flags: "--resume", description: "quality tests: continue from the checkpoint a stopped run with the same settings left" },
  ...DB_OPTION,
  ...STORE_OPTION,
});

export type RunCommandOptions = OptionsOf<typeof RUN_OPTIONS>;
