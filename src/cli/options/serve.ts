/** Options of `kitt bench serve` and `kitt bench selftest`; the load's defaults are the serving layer's (`serve/load/defaults.ts`). */
import type { ProtocolName } from "../../protocols/types.js";
import { SERVE_LOAD_DEFAULTS } from "../../serve/load/defaults.js";
import { ENGINE_OPTIONS } from "./engine.js";
import * as parse from "./parsers.js";
import { DB_OPTION, STORE_OPTION } from "./storage.js";
import { defineOptions, type OptionsOf } from "./table.js";

const PROTOCOLS = ["openai-completions", "openai-chat", "ollama-generate", "tgi-generate", "llamacpp-completion"] as const satisfies readonly ProtocolName[];

export const BENCH_SERVE_OPTIONS = defineOptions({
  ...ENGINE_OPTIONS,
  protocol: { flags: "--protocol <name>", description: "API to use (default: the engine's first)", choices: PROTOCOLS },
  dataset: { flags: "--dataset <kind>", description: "where prompts come from", choices: ["random", "sharegpt", "jsonl", "prompts"], default: "random" },
  datasetPath: { flags: "--dataset-path <file>", description: "ShareGPT JSON or JSONL prompts file" },
  prompt: { flags: "--prompt <text>", description: "a prompt for --dataset prompts (repeatable)", parse: parse.collect, default: [] },
  randomInputLen: { flags: "--random-input-len <n>", description: "prompt length in tokens (random data set)", parse: parse.positiveInt, default: 512 },
  randomOutputLen: {
    flags: "--random-output-len <n>",
    description: "output length in tokens (random, jsonl, prompts)",
    parse: parse.positiveInt,
    default: SERVE_LOAD_DEFAULTS.outputTokens,
  },
  randomRangeRatio: {
    flags: "--random-range-ratio <f>",
    description: "lengths uniform within ±this fraction of the targets",
    parse: parse.fraction,
    default: SERVE_LOAD_DEFAULTS.rangeRatio,
  },
  randomPrefixLen: { flags: "--random-prefix-len <n>", description: "a shared prefix of this many tokens on every prompt", parse: parse.nonNegativeInt, default: 0 },
  sharegptOutputLen: { flags: "--sharegpt-output-len <n>", description: "one output length for every ShareGPT request", parse: parse.positiveInt },
  tokenizer: { flags: "--tokenizer <path>", description: "tokenizer.json (or its folder) when the engine has no tokenize endpoint" },
  numPrompts: { flags: "--num-prompts <n>", description: "requests to send", parse: parse.positiveInt, default: 1000 },
  duration: { flags: "--duration <seconds>", description: "stop sending after this long", parse: parse.seconds },
  requestRate: { flags: "--request-rate <rps|inf>", description: "requests per second (inf: all at once)", parse: parse.rate, default: SERVE_LOAD_DEFAULTS.requestRate },
  burstiness: { flags: "--burstiness <f>", description: "gamma shape of the arrival gaps (1 = Poisson)", parse: parse.positiveNumber, default: SERVE_LOAD_DEFAULTS.burstiness },
  arrival: { flags: "--arrival <kind>", description: "arrival process (default: poisson, or gamma when burstiness ≠ 1)", choices: ["constant", "poisson", "gamma"] },
  rampUpStrategy: { flags: "--ramp-up-strategy <kind>", description: "raise the rate during the run", choices: ["linear", "exponential"] },
  rampUpStartRps: { flags: "--ramp-up-start-rps <rps>", description: "rate at the start of a ramp-up", parse: parse.positiveNumber },
  rampUpEndRps: { flags: "--ramp-up-end-rps <rps>", description: "rate at the end of a ramp-up", parse: parse.positiveNumber },
  maxConcurrency: { flags: "--max-concurrency <n>", description: "cap on requests in flight", parse: parse.positiveInt },
  warmupRequests: {
    flags: "--warmup-requests <n>",
    description: "requests sent before the measured window",
    parse: parse.nonNegativeInt,
    default: SERVE_LOAD_DEFAULTS.warmupRequests,
  },
  maxErrors: { flags: "--max-errors <n>", description: "stop after this many failed requests", parse: parse.positiveInt },
  maxErrorRate: { flags: "--max-error-rate <f>", description: "stop once this fraction of requests failed", parse: parse.fraction, default: 1 },
  slo: { flags: "--slo <ttft:MS,tpot:MS,e2el:MS>", description: "service-level objectives for goodput", parse: parse.slo },
  sweep: { flags: "--sweep <n>", description: "synchronous run, max-throughput run, then N rates in between", parse: parse.positiveInt },
  sloSearch: { flags: "--slo-search", description: "find the highest request rate that still meets --slo" },
  sloAttainment: { flags: "--slo-attainment <f>", description: "share of requests that must meet the SLO in --slo-search", parse: parse.fraction, default: 0.99 },
  sloSearchSteps: { flags: "--slo-search-steps <n>", description: "bisection steps of --slo-search", parse: parse.positiveInt, default: 5 },
  percentiles: { flags: "--percentiles <list>", description: "percentiles to report", parse: parse.percentiles, default: SERVE_LOAD_DEFAULTS.percentiles },
  workers: { flags: "--workers <auto|n>", description: "worker threads sending requests", parse: parse.workers, default: "auto" },
  seed: { flags: "--seed <n>", description: "seed for data and arrivals", parse: parse.nonNegativeInt, default: SERVE_LOAD_DEFAULTS.seed },
  ignoreEos: { flags: "--no-ignore-eos", description: "let the engine stop at end-of-sequence (outputs may be shorter than asked)" },
  temperature: { flags: "--temperature <t>", description: "sampling temperature", parse: Number, default: 0 },
  engineMetrics: { flags: "--no-engine-metrics", description: "do not scrape the engine's /metrics" },
  saveGeneratedTexts: {
    flags: "--no-save-generated-texts",
    description: "leave the generated texts out of serve.json (vLLM's generated_texts) and requests.jsonl",
  },
  output: { flags: "-o, --output <dir>", description: "results folder (default ~/.kitt/results/<model>/<engine>/<time>_serve)" },
  json: { flags: "--json", description: "print the result JSON instead of the table" },
  ...DB_OPTION,
  ...STORE_OPTION,
});

export type BenchServeOptions = OptionsOf<typeof BENCH_SERVE_OPTIONS>;

export const BENCH_SELFTEST_OPTIONS = defineOptions({
  requests: { flags: "--requests <n>", description: "requests to send", parse: parse.positiveInt },
  concurrency: { flags: "--concurrency <n>", description: "requests in flight", parse: parse.positiveInt },
  json: { flags: "--json", description: "print JSON" },
});

export type BenchSelftestOptions = OptionsOf<typeof BENCH_SELFTEST_OPTIONS>;
