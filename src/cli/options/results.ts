/** Options of the commands that read stored results: `kitt results`, `kitt report`, `kitt compare`, `kitt recommend`. */
import { AGGREGATES, GROUP_COLUMNS } from "../../store/metric-aggregate.js";
import { JSON_OPTION } from "./common.js";
import * as parse from "./parsers.js";
import { DB_OPTION, RUN_FILTER_OPTIONS, RUN_LIMIT_OPTION } from "./storage.js";
import { defineOptions } from "./table.js";

const SINCE_OPTION = defineOptions({
  since: { flags: "--since <date|Nd>", description: "a date (2026-01-31) or an age (7d, 12h)" },
});

export const RESULTS_LIST_OPTIONS = defineOptions({
  ...RUN_FILTER_OPTIONS,
  ...SINCE_OPTION,
  hardware: { flags: "--hardware <gpu>", description: "GPU model substring, any case (h100, 4090)" },
  ...RUN_LIMIT_OPTION,
  ...JSON_OPTION,
  ...DB_OPTION,
});

export const RESULTS_ITEMS_OPTIONS = defineOptions({
  test: { flags: "--test <name>", description: "only this test" },
  run: { flags: "--run <n>", description: "only this run of the test", parse: parse.positiveInt },
  wrong: { flags: "--wrong", description: "only items that scored 0 on every metric" },
  limit: { flags: "--limit <n>", description: "show at most this many (default: 50 in the table, every item with --json)", parse: parse.positiveInt },
  json: { flags: "--json", description: "one JSON object per item, every field" },
  ...DB_OPTION,
});

export const RESULTS_QUERY_OPTIONS = defineOptions({
  groupBy: { flags: "--group-by <column>", description: "what to group by", choices: GROUP_COLUMNS, mandatory: true },
  metric: { flags: "--metric <name>", description: "stored metric name, e.g. median_ttft_ms or ttft_ms.p99", mandatory: true },
  agg: { flags: "--agg <fn>", description: "aggregation", choices: AGGREGATES, default: "mean" },
  test: { flags: "--test <name>", description: "only this test's metric (serve, throughput, …)" },
  ...RUN_FILTER_OPTIONS,
  ...SINCE_OPTION,
  hardware: { flags: "--hardware <gpu>", description: "GPU model substring, any case" },
  ...JSON_OPTION,
  ...DB_OPTION,
});

export const REPORT_OPTIONS = defineOptions({
  format: { flags: "--format <format>", description: "report format", choices: ["html", "md", "json", "csv"], default: "html" },
  output: { flags: "-o, --output <file>", description: "file to write (default: stdout)" },
  ...DB_OPTION,
});

export const COMPARE_OPTIONS = defineOptions({
  format: { flags: "--format <format>", description: "output", choices: ["table", "json"], default: "table" },
  ...DB_OPTION,
});

export const RECOMMEND_OPTIONS = defineOptions({
  maxVram: {
    flags: "--max-vram <gb>",
    description: "peak GPU memory at most this (runs that did not measure it are left out)",
    parse: parse.positiveNumber,
  },
  minThroughput: { flags: "--min-throughput <tok/s>", description: "output tokens per second at least this", parse: parse.positiveNumber },
  minAccuracy: { flags: "--min-accuracy <fraction>", description: "mean quality accuracy at least this (0-1)", parse: parse.fraction },
  maxLatency: { flags: "--max-latency <ms>", description: "median TTFT at most this", parse: parse.positiveNumber },
  model: RUN_FILTER_OPTIONS.model,
  engine: RUN_FILTER_OPTIONS.engine,
  limit: { flags: "--limit <n>", description: "consider this many most recent completed runs", parse: parse.positiveInt, default: 500 },
  ...JSON_OPTION,
  ...DB_OPTION,
});

