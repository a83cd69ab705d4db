import { KittError } from "../../errors.js";
import type { ServeDatasetSpec } from "../../datasets/index.js";
import { jsonText } from "../../fs/json-text.js";
import { runServePipeline, type ServeMode } from "../../pipeline/serve-pipeline.js";
import { renderServeResult } from "../../report/serve-terminal.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import { engineLaunchOptions } from "../options/engine.js";
import type { BenchServeOptions } from "../options/serve.js";
import { serveReporter } from "../serve-reporter.js";
import { success } from "../ui.js";

/** `kitt bench serve`: vLLM-grade serving benchmark against an engine kitt starts or any `--url`. */
export async function benchServeCommand(options: BenchServeOptions): Promise<void> {
  const outcome = await runServePipeline({
    ...engineLaunchOptions(options),
    protocol: options.protocol,
    dataset: datasetSpec(options),
    tokenizerPath: options.tokenizer,
    load: {
      warmupRequests: options.warmupRequests,
      requestRate: options.requestRate,
      distribution: options.arrival ?? (options.burstiness === 1 ? "poisson" : "gamma"),
      burstiness: options.burstiness,
      rampUp: rampUp(options),
      maxConcurrency: options.maxConcurrency ?? Number.POSITIVE_INFINITY,
      durationMs: options.duration === undefined ? Number.POSITIVE_INFINITY : options.duration * 1000,
      maxErrors: options.maxErrors ?? Number.POSITIVE_INFINITY,
      maxErrorRate: options.maxErrorRate,
      ignoreEos: options.ignoreEos,
      temperature: options.temperature,
      seed: options.seed,
      workers: options.workers,
      slo: options.slo,
      percentiles: options.percentiles,
    },
    mode: mode(options),
    engineMetrics: options.engineMetrics,
    saveGeneratedTexts: options.saveGeneratedTexts,
    store: options.store && options.db,
    output: options.output,
    commandLine: process.argv.slice(2),
    signal: shutdownSignal,
    reporter: serveReporter(),
  });
  if (options.json) process.stdout.write(jsonText(outcome.result));
  else process.stdout.write(`${renderServeResult(outcome.result)}\n`);
  if (outcome.bestRate !== undefined) {
    success(outcome.bestRate === null ? "no rate met the SLO, not even one request at a time" : `highest rate meeting the SLO: ${outcome.bestRate.toFixed(2)} req/s`);
  }
  success(`results: ${outcome.dir}`);
}

function datasetSpec(o: BenchServeOptions): ServeDatasetSpec {
  const needPath = (): string => {
    if (!o.datasetPath) throw new KittError("USAGE", `--dataset ${o.dataset} needs --dataset-path FILE`);
    return o.datasetPath;
  };
  switch (o.dataset) {
    case "random":
      return {
        kind: "random",
        numPrompts: o.numPrompts,
        inputTokens: o.randomInputLen,
        outputTokens: o.randomOutputLen,
        rangeRatio: o.randomRangeRatio,
        prefixTokens: o.randomPrefixLen,
        seed: o.seed,
      };
    case "sharegpt":
      return { kind: "sharegpt", path: needPath(), numPrompts: o.numPrompts, outputTokens: o.sharegptOutputLen, seed: o.seed };
    case "jsonl":
      return { kind: "jsonl", path: needPath(), numPrompts: o.numPrompts, outputTokens: o.randomOutputLen, seed: o.seed };
    case "prompts":
      if (o.prompt.length === 0) throw new KittError("USAGE", "--dataset prompts needs at least one --prompt TEXT");
      return { kind: "prompts", prompts: o.prompt, numPrompts: o.numPrompts, outputTokens: o.randomOutputLen };
  }
}

function rampUp(o: BenchServeOptions) {
  if (!o.rampUpStrategy) return undefined;
  if (o.rampUpStartRps === undefined || o.rampUpEndRps === undefined) {
    throw new KittError("USAGE", "--ramp-up-strategy needs --ramp-up-start-rps and --ramp-up-end-rps");
  }
  return { strategy: o.rampUpStrategy, startRate: o.rampUpStartRps, endRate: o.rampUpEndRps };
}

function mode(o: BenchServeOptions): ServeMode {
  if (o.sweep !== undefined && o.sloSearch) throw new KittError("USAGE", "choose --sweep or --slo-search, not both");
  if (o.sweep !== undefined) return { kind: "sweep", count: o.sweep };
  if (o.sloSearch) return { kind: "slo-search", attainment: o.sloAttainment, iterations: o.sloSearchSteps };
  return { kind: "single" };
}
