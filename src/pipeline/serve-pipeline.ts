/**
 * What `kitt bench serve` does: start the engine (or reach `--url`), prepare the data set
 * with the engine's own tokenizer where it has one, run the load (once, as a sweep, or as an
 * SLO search), and write a results folder: `serve.json` (vLLM's result-file keys plus kitt's),
 * `requests.jsonl` (one line per measured request), `hardware.json` and `config.json`.
 * The engine is terminated whatever happens; Ctrl+C keeps the records written so far.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { EngineMetricsScraper } from "../collectors/engine-metrics.js";
import { engineSideMetrics } from "../collectors/engine-metrics-summary.js";
import { loadServeDatasetWithWarmup, needsDecode, type ServeDatasetSpec, type ServeDatasetStats } from "../datasets/index.js";
import { chooseTokenCounter } from "../datasets/tokenizers/choose-token-counter.js";
import type { LaunchOptions } from "../engines/launch.js";
import type { EngineName } from "../engines/types.js";
import { KittError } from "../errors.js";
import type { JsonValue } from "../json.js";
import {
  runServe,
  sharedPrompts,
  type MetricsCollector,
  type ServeProgress,
  type ServeRunOptions,
  type ServeRunResult,
} from "../serve/load/serve-run.js";
import { runSweep, searchSloRate, type SweepStep } from "../serve/load/sweep.js";
import { jsonDocument } from "../store/run-export.js";
import { checkStoreChoice, openServeStore, type StoreChoice } from "./store-results.js";
import { writeFileAtomically } from "../fs/atomic-file.js";
import { jsonText } from "../fs/json-text.js";
import { kittVersion } from "../package-root.js";
import type { ProtocolName } from "../protocols/types.js";
import { createRunDir } from "../results/results-folder.js";
import { engineVersion } from "../engines/engine-version.js";
import { watchEngineProcess } from "./engine-process-sampler.js";
import { watchGpuMemory } from "./gpu-memory-watch.js";
import { launchEngine, type LaunchReporter } from "./launch-engine.js";

export type ServeMode = { kind: "single" } | { kind: "sweep"; count: number } | { kind: "slo-search"; attainment: number; iterations: number };

export interface ServePipelineOptions extends LaunchOptions {
  /** Where results are stored besides the folder; false to keep only the folder. */
  store: StoreChoice;
  protocol?: ProtocolName;
  dataset: ServeDatasetSpec;
  tokenizerPath?: string;
  load: Omit<
    ServeRunOptions,
    "baseUrl" | "protocol" | "model" | "backend" | "tokenizerId" | "requests" | "warmup" | "recordsPath" | "vllmArrays" | "metrics" | "signal" | "onProgress"
  > & { warmupRequests: number };
  /** Keep the generated texts in serve.json's per-request arrays (vLLM's `generated_texts`). */
  saveGeneratedTexts: boolean;
  mode: ServeMode;
  engineMetrics: boolean;
  output?: string;
  commandLine: string[];
  signal: AbortSignal;
  reporter?: ServeReporter;
}

export interface ServeReporter extends LaunchReporter {
  dataset?(stats: ServeDatasetStats): void;
  runStart?(label: string): void;
  progress?(progress: ServeProgress): void;
  runEnd?(label: string, run: ServeRunResult): void;
}

export interface ServeOutcome {
  dir: string;
  /** The single run, or the last run of a sweep/search. */
  result: Record<string, JsonValue>;
  steps: SweepStep[];
  bestRate?: number | null;
}

export async function runServePipeline(options: ServePipelineOptions): Promise<ServeOutcome> {
  const { reporter, signal } = options;
  reporter?.step?.("preflight: engine, model, port, runtime");
  checkStoreChoice(options.store);
  // An endpoint (`--url`) goes through the same path: its runtime owns nothing, and readiness is still checked.
  const { prepared, hardware } = await launchEngine(options, signal, reporter);
  await using engine = prepared.engine;
  await using processWatch = watchEngineProcess(prepared);
  await using gpuWatch = await watchGpuMemory(prepared);

  const protocol = options.protocol ?? prepared.spec.protocols[0];
  if (!protocol || !prepared.spec.protocols.includes(protocol)) {
    throw new KittError("USAGE", `${prepared.spec.name} does not speak ${protocol}; it speaks ${prepared.spec.protocols.join(", ")}`);
  }
  reporter?.step?.(`preparing the ${options.dataset.kind} data set`);
  const counter = await chooseTokenCounter({
    engine: prepared.spec.name,
    baseUrl: engine.baseUrl,
    model: engine.modelName,
    tokenizerPath: options.tokenizerPath,
    needsDecode: needsDecode(options.dataset),
  });
  const dataset = await loadServeDatasetWithWarmup(options.dataset, counter, options.load.warmupRequests).finally(() => counter.close?.());
  reporter?.dataset?.(dataset.stats);
  const reused = sharedPrompts(dataset.warmup, dataset.requests);
  if (reused > 0) {
    reporter?.warn?.(`${reused} of ${dataset.warmup.length} warm-up prompts are also measured (the data set has too few distinct prompts); a prompt cache may answer those from memory`);
  }

  const startedAt = new Date();
  const dir = options.output ?? (await createRunDir({ model: engine.modelName, engine: prepared.spec.name }, startedAt, "_serve"));
  await mkdir(dir, { recursive: true });
  // The run's id is in config.json, so importing the folder later finds the run stored as it went.
  const runId = randomUUID();
  const hardwareText = jsonDocument(hardware);
  const configText = jsonDocument({
    kitt_version: kittVersion(),
    run_id: runId,
    engine: {
      name: prepared.spec.name,
      runtime: prepared.runtime,
      image: prepared.image?.image ?? null,
      image_digest: prepared.container?.imageId ?? null,
      version: (await engineVersion(engine)) ?? null,
      base_url: engine.baseUrl,
      extra_args: [...(options.engineArgs ?? [])],
    },
    model: { name: engine.modelName, path: prepared.model?.path ?? options.model ?? null, format: prepared.model?.format ?? null },
    protocol,
    dataset: { ...options.dataset, stats: dataset.stats } as unknown as JsonValue,
    load: loadConfig(options.load),
    mode: options.mode,
    command_line: options.commandLine,
  });
  await writeFileAtomically(join(dir, "hardware.json"), hardwareText);
  await writeFileAtomically(join(dir, "config.json"), configText);
  await using stored = openServeStore(options.store, { runId, dir, configText, hardwareText, signal, reporter });

  let runIndex = 0;
  const { warmupRequests: _count, ...load } = options.load;
  const base: ServeRunOptions = {
    ...load,
    baseUrl: engine.baseUrl,
    protocol,
    model: engine.modelName,
    backend: protocol,
    tokenizerId: counter.label,
    requests: dataset.requests,
    warmup: dataset.warmup,
    vllmArrays: { generatedTexts: options.saveGeneratedTexts },
    signal,
    onProgress: (progress) => reporter?.progress?.(progress),
  };
  // Each run gets its own records file and its own metrics scraper.
  const perRun = (): Partial<ServeRunOptions> => {
    runIndex += 1;
    reporter?.runStart?.(options.mode.kind === "single" ? "serve" : `run ${runIndex}`);
    return {
      recordsPath: join(dir, options.mode.kind === "single" ? "requests.jsonl" : `requests-${runIndex}.jsonl`),
      metrics: options.engineMetrics ? metricsCollector(engine.baseUrl, prepared.spec.name, prepared.spec.capabilities.metricsPath) : undefined,
    };
  };
  const onStep = (step: SweepStep): void =>
    reporter?.runEnd?.(step.rate === "inf" ? step.kind : `${step.kind} @ ${step.rate.toFixed(2)} req/s`, step.run);

  let steps: SweepStep[];
  let bestRate: number | null | undefined;
  switch (options.mode.kind) {
    case "single": {
      const run = await runServe({ ...base, ...perRun() });
      reporter?.runEnd?.("serve", run);
      steps = [{ kind: "rate", rate: Number.isFinite(options.load.requestRate) ? options.load.requestRate : "inf", run }];
      break;
    }
    case "sweep":
      steps = await runSweep({ base, perRun, onStep }, options.mode.count);
      break;
    case "slo-search": {
      const slo = options.load.slo;
      if (!slo) throw new KittError("USAGE", "--slo-search needs --slo ttft:MS,tpot:MS,e2el:MS");
      const search = await searchSloRate({ base: { ...base, slo }, perRun, onStep }, options.mode);
      steps = search.steps;
      bestRate = search.best_rate;
      break;
    }
  }

  const last = steps.at(-1)?.run.result ?? {};
  const serveJson: Record<string, JsonValue> =
    options.mode.kind === "single"
      ? last
      : {
          ...last,
          mode: options.mode.kind,
          best_rate: bestRate ?? null,
          runs: steps.map((step) => ({ kind: step.kind, rate: step.rate, ...step.run.result })),
        };
  serveJson.engine_process = (await processWatch.stop()) as unknown as JsonValue;
  serveJson.gpu_memory = (await gpuWatch.stop()) as unknown as JsonValue;
  // Per-request arrays stay one line each.
  await writeFileAtomically(join(dir, "serve.json"), jsonText(serveJson));
  stored?.complete();
  return { dir, result: last, steps, bestRate };
}

function metricsCollector(baseUrl: string, engine: EngineName, path: string | undefined): MetricsCollector | undefined {
  if (!path) return undefined;
  const scraper = new EngineMetricsScraper({ baseUrl, path, engine });
  return {
    start: () => scraper.start(),
    stop: async () => {
      const report = await scraper.stop();
      // Server-side numbers under the client's key names, so the two read side by side.
      return { engine_side: engineSideMetrics(report), ...report } as unknown as JsonValue;
    },
  };
}

function loadConfig(load: ServePipelineOptions["load"]): JsonValue {
  const finite = (value: number) => (Number.isFinite(value) ? value : "inf");
  return {
    ...load,
    requestRate: finite(load.requestRate),
    maxConcurrency: finite(load.maxConcurrency),
    durationMs: finite(load.durationMs),
    maxErrors: finite(load.maxErrors),
  } as unknown as JsonValue;
}
