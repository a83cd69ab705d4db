/**
 * A run's results folder, `~/.kitt/results/<model>/<engine>/<YYYY-mm-dd_HHMMSS>/` (or `-o DIR`):
 * - `hardware.json`: the hardware fingerprint, as given;
 * - `config.json`: how the run was set up (`ConfigFile`);
 * - `metrics.json`: every result so far (`MetricsFile`);
 * - `summary.md`: the same for people.
 * `metrics.json` and `summary.md` are rewritten atomically after every test, so a crash or a
 * dead engine keeps every result that completed, and `status` says how the run ended.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { NotRunTest, ResultSink, SuitePlan, SuiteStatus, SuiteSummary, TestResult } from "../bench/suite-results.js";
import { resultsDir } from "../config/paths.js";
import { writeFileAtomically, writeFileAtomicallySync, writeJsonAtomically } from "../fs/atomic-file.js";
import { kittVersion } from "../package-root.js";
import type { ConfigFile, MetricsFile, RunConfig } from "./metrics-file.js";
import { registryHeadlines, type HeadlineLookup } from "./metric-format.js";
import { itemsFileName, readItemsText } from "./items-file.js";
import { runSpreads } from "./run-spread.js";
import { renderSummaryMarkdown } from "./summary-md.js";

export interface ResultsFolderOptions {
  /** Engine name, e.g. `llama_cpp`. */
  engine: string;
  /** Model name as shown to people and used in the folder path. */
  model: string;
  /** Write here instead of the default location (`kitt run -o`). */
  outputDir?: string;
  /** Root of the default location; `~/.kitt/results` (or `$KITT_HOME/results`) by default. */
  resultsRoot?: string;
  /** Names the default folder; now by default. */
  startedAt?: Date;
  /** The hardware fingerprint; stored as it is. */
  hardware: unknown;
  /** A short description of the machine for `metrics.json`. */
  systemInfo?: Record<string, unknown>;
  runConfig: RunConfig;
  headlines?: HeadlineLookup;
  /** The engine's CPU and memory so far, written into every `metrics.json`. */
  engineProcess?: () => object;
  /** GPU memory over the run so far (`pipeline/gpu-memory-watch.ts`), written into every metrics.json. */
  gpuMemory?: () => object;
}

export class ResultsFolder implements ResultSink {
  readonly dir: string;
  private readonly options: ResultsFolderOptions;
  private readonly startedAt: Date;
  private plan: SuitePlan | undefined;
  private readonly results: TestResult[] = [];
  private status: SuiteStatus = "running";
  private summary: SuiteSummary | undefined;

  private constructor(
    dir: string,
    options: ResultsFolderOptions,
    startedAt: Date,
    /** `config.json` as written. */
    readonly configFile: ConfigFile,
  ) {
    this.dir = dir;
    this.options = options;
    this.startedAt = startedAt;
  }

  /** Creates the folder and writes `hardware.json` and `config.json`. */
  static async create(options: ResultsFolderOptions): Promise<ResultsFolder> {
    const startedAt = options.startedAt ?? new Date();
    let dir = options.outputDir;
    if (dir === undefined) dir = await createRunDir(options, startedAt);
    else await mkdir(dir, { recursive: true });
    const config: ConfigFile = { kitt_version: kittVersion(), ...options.runConfig };
    const folder = new ResultsFolder(dir, options, startedAt, config);
    await writeJsonAtomically(join(dir, "hardware.json"), options.hardware);
    await writeJsonAtomically(join(dir, "config.json"), config);
    return folder;
  }

  get metricsPath(): string {
    return join(this.dir, "metrics.json");
  }

  async start(plan: SuitePlan): Promise<void> {
    this.plan = plan;
    await this.write();
  }

  async onTestResult(result: TestResult): Promise<void> {
    this.results.push(result);
    const items = await readItemsText(result);
    if (items !== undefined) await writeFileAtomically(join(this.dir, itemsFileName(result.test_name, result.run_number)), items);
    await this.write();
  }

  async finish(summary: SuiteSummary): Promise<void> {
    this.summary = summary;
    this.status = summary.status;
    await this.write();
  }

  /** `metrics.json` as it stands now. */
  snapshot(): MetricsFile {
    const { runConfig } = this.options;
    const summary = this.summary;
    const results = [...this.results];
    const notRun: NotRunTest[] = summary?.not_run ?? [];
    const passedCount = results.filter((result) => result.passed).length;
    const timestamp = this.plan?.started_at ?? this.startedAt.toISOString();
    return {
      kitt_version: kittVersion(),
      suite_name: this.plan?.suite_name ?? runConfig.suite.name,
      suite_version: this.plan?.suite_version ?? runConfig.suite.version,
      status: this.status,
      timestamp,
      finished_at: summary?.finished_at ?? null,
      engine: this.options.engine,
      model: this.options.model,
      passed: summary?.passed ?? false,
      total_benchmarks: results.length,
      planned_benchmarks: this.plan?.tests.length ?? results.length,
      passed_count: passedCount,
      failed_count: results.length - passedCount,
      total_time_seconds: summary?.total_time_seconds ?? (Date.now() - Date.parse(timestamp)) / 1000,
      system_info: this.options.systemInfo ?? {},
      stop_reason: summary?.stop_reason ?? null,
      results,
      not_run: notRun,
      run_spread: runSpreads(results, this.options.headlines ?? registryHeadlines()),
      ...(this.options.engineProcess ? { engine_process: this.options.engineProcess() as Record<string, unknown> } : {}),
      ...(this.options.gpuMemory ? { gpu_memory: this.options.gpuMemory() as Record<string, unknown> } : {}),
    };
  }

  /**
   * At a forced exit (a second Ctrl+C), synchronously: a run still `running` is written as
   * `interrupted` with what it has so far, whatever asynchronous write was under way.
   */
  markInterruptedNow(): void {
    if (this.status === "running") this.status = "interrupted";
    const file = this.snapshot();
    writeFileAtomicallySync(this.metricsPath, `${JSON.stringify(file, null, 2)}\n`);
    writeFileAtomicallySync(join(this.dir, "summary.md"), renderSummaryMarkdown(file, this.options.headlines ?? registryHeadlines()));
  }

  private async write(): Promise<void> {
    const file = this.snapshot();
    await writeJsonAtomically(this.metricsPath, file);
    await writeFileAtomically(join(this.dir, "summary.md"), renderSummaryMarkdown(file, this.options.headlines ?? registryHeadlines()));
  }
}

/** `<root>/<model>/<engine>/<YYYY-mm-dd_HHMMSS>`, with `_2`, `_3`… when two runs start in the same second. */
export async function createRunDir(
  options: Pick<ResultsFolderOptions, "resultsRoot" | "model" | "engine">,
  startedAt: Date,
  suffix = "",
): Promise<string> {
  const parent = join(options.resultsRoot ?? resultsDir(), pathSegment(options.model), pathSegment(options.engine));
  await mkdir(parent, { recursive: true });
  const base = `${folderTimestamp(startedAt)}${suffix}`;
  for (let attempt = 1; ; attempt++) {
    const dir = join(parent, attempt === 1 ? base : `${base}_${attempt}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** Local time, as the original KITT named its folders. */
export function folderTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}_` +
    `${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`
  );
}

/** A name safe as one path segment: `org/model:tag` becomes `org_model_tag`. */
export function pathSegment(name: string): string {
  const safe = name.replace(/[/\\:*?"<>|\s]+/g, "_").replace(/^\.+$/, "_");
  return safe === "" ? "_" : safe;
}
