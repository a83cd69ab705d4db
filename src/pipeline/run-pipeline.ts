/**
 * What `kitt run` does, in order: preflight (engine, model, port, Docker, image, suite),
 * hardware fingerprint, engine start and readiness, the suite (warmup included), the
 * results folder, termination. Results are written after every test; whatever stops the
 * run (Ctrl+C, a dead engine) the folder keeps what completed and the engine is terminated.
 */
import { randomUUID } from "node:crypto";
import type { SuiteEvent, SuiteSummary } from "../bench/suite-results.js";
import { combineSinks, type ResultSink } from "../bench/suite-results.js";
import type { BenchmarkRegistry } from "../bench/registry.js";
import { runSuite } from "../bench/suite-runner.js";
import { loadSuiteWithCustomTests } from "../bench/custom/suite.js";
import { suiteTestConfigs, withCommandLineSettings } from "../bench/suite.js";
import { KittError } from "../errors.js";
import type { LaunchOptions } from "../engines/launch.js";
import { registryHeadlines } from "../results/metric-format.js";
import { ResultsFolder } from "../results/results-folder.js";
import { engineVersion } from "../engines/engine-version.js";
import { track } from "../runtime/lifecycle.js";
import { watchEngineProcess, type EngineProcessWatch } from "./engine-process-sampler.js";
import { watchGpuMemory, type GpuMemoryWatch } from "./gpu-memory-watch.js";
import { launchEngine, type LaunchReporter } from "./launch-engine.js";
import { checkStoreChoice, openResultsStore, type StoreChoice } from "./store-results.js";

export interface RunPipelineOptions extends LaunchOptions {
  /** Where results are stored besides the folder; false to keep only the folder. */
  store: StoreChoice;
  suite: string;
  output?: string;
  skipWarmup?: boolean;
  runs?: number;
  /** Test settings from the command line (`--limit`, `--resume`...), above the suite's own. */
  testSettings?: Record<string, unknown>;
  commandLine: string[];
  signal: AbortSignal;
  reporter?: RunReporter;
}

/** Progress callbacks for whoever shows the run to a person. */
export interface RunReporter extends LaunchReporter {
  /** The run's id and results folder, once the folder exists. */
  runStarted?(run: { id: string; dir: string }): void;
  suiteEvent?(event: SuiteEvent): void;
}

export interface RunOutcome {
  folder: ResultsFolder;
  summary: SuiteSummary;
  /** The tests the run knew: built-in and custom. */
  registry: BenchmarkRegistry;
}

export async function runPipeline(options: RunPipelineOptions): Promise<RunOutcome> {
  const { reporter, signal } = options;
  reporter?.step?.("preflight: engine, model, port, runtime");
  checkStoreChoice(options.store);
  // Built-in tests plus the custom ones in ~/.kitt/tests; `--suite` may also name one of those.
  const loaded = await loadSuiteWithCustomTests(options.suite);
  const registry = loaded.registry;
  const suite = withCommandLineSettings(loaded.suite, options.testSettings ?? {}, registry);
  const { prepared, hardware } = await launchEngine(options, signal, reporter);
  await using engine = prepared.engine;
  await using processWatch = watchEngineProcess(prepared);
  await using gpuWatch = await watchGpuMemory(prepared);

  // The folder carries the run's id, so importing it later finds the run stored as it went.
  const runId = randomUUID();
  const folder = await ResultsFolder.create({
    engine: prepared.spec.name,
    model: engine.modelName,
    outputDir: options.output,
    hardware,
    headlines: registryHeadlines(registry),
    engineProcess: () => processWatch.report(),
    gpuMemory: () => gpuWatch.report(),
    runConfig: {
      run_id: runId,
      engine: {
        name: prepared.spec.name,
        runtime: prepared.runtime,
        image: prepared.image?.image,
        image_digest: prepared.container?.imageId,
        version: await engineVersion(engine),
        base_url: engine.baseUrl,
        extra_args: [...(options.engineArgs ?? [])],
      },
      model: { name: engine.modelName, path: prepared.model?.path ?? options.model ?? "", format: prepared.model?.format ?? "unknown" },
      suite: { name: suite.suite_name, version: suite.version, source: suite.source },
      runs: options.runs ?? suite.runs,
      skip_warmup: options.skipWarmup ?? false,
      tests: suiteTestConfigs(suite, registry),
      command_line: options.commandLine,
    },
  });
  reporter?.step?.(`results folder: ${folder.dir}`);
  reporter?.runStarted?.({ id: runId, dir: folder.dir });
  // A forced exit (second Ctrl+C) must not leave the folder saying `running`.
  using _folderMark = track({ abandon: () => folder.markInterruptedNow() });
  await using stored = openResultsStore(options.store, folder, {
    runId,
    model: engine.modelName,
    engine: prepared.spec.name,
    runtime: prepared.runtime,
    hardware,
    signal,
    reporter,
  });

  const summary = await runSuite({
    engine,
    suite,
    registry,
    runs: options.runs,
    skipWarmup: options.skipWarmup,
    signal,
    // The samplers' closing readings first, so the final metrics.json has them; then the
    // folder: it is the copy that must survive whatever happens to the database.
    sink: combineSinks(stopWatchesAtFinish(processWatch, gpuWatch), folder, ...(stored ? [stored.sink] : [])),
    onEvent: (event) => reporter?.suiteEvent?.(event),
  });
  if (summary.status === "interrupted") throw signal.reason ?? new KittError("INTERNAL", "interrupted");
  if (summary.status === "failed") {
    throw new KittError("ENGINE_DIED", `${summary.stop_reason ?? "the engine failed"}; results so far are in ${folder.dir}`, {
      details: engine.recentLogs(50),
    });
  }
  return { folder, summary, registry };
}

/** A sink that only stops the run's samplers (engine CPU/memory, GPU memory) when the suite ends. */
function stopWatchesAtFinish(...watches: Array<EngineProcessWatch | GpuMemoryWatch>): ResultSink {
  return {
    start: () => undefined,
    onTestResult: () => undefined,
    finish: async () => {
      await Promise.all(watches.map((watch) => watch.stop()));
    },
  };
}
