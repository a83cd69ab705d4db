/**
 * The shapes of the files in a results folder. `metrics.json` keeps the original KITT keys
 * (so its results can be imported) and adds `status`, `planned_benchmarks` and `not_run`,
 * which tell a complete run from one that stopped.
 */
import type { NotRunTest, SuiteStatus, TestResult } from "../bench/suite-results.js";
import type { TestSpread } from "./run-spread.js";

export interface MetricsFile {
  kitt_version: string;
  suite_name: string;
  suite_version: string;
  status: SuiteStatus;
  /** When the run started, ISO 8601 UTC. */
  timestamp: string;
  finished_at: string | null;
  engine: string;
  model: string;
  /** Every planned test ran and passed. */
  passed: boolean;
  /** Tests run so far (each run of a test counts once). */
  total_benchmarks: number;
  planned_benchmarks: number;
  passed_count: number;
  failed_count: number;
  total_time_seconds: number;
  system_info: Record<string, unknown>;
  stop_reason: string | null;
  results: TestResult[];
  not_run: NotRunTest[];
  /** Mean ± sample sd per metric for tests that ran more than once (absent in older files). */
  run_spread?: Record<string, TestSpread>;
  /** The engine's CPU and memory over the run (`collectors/process-sampler.ts`; absent in older files). */
  engine_process?: Record<string, unknown>;
  /** GPU memory over the whole run (the GPU memory sampler's report), when kitt started the engine. */
  gpu_memory?: Record<string, unknown>;
}

/** `config.json`: how the run was set up, enough to repeat it. */
export interface RunConfig {
  /** The run's id, as the results database stores it (absent in older folders). */
  run_id?: string;
  engine: { name: string; runtime: string; image?: string; image_digest?: string; version?: string; base_url?: string; extra_args?: string[] };
  model: { name: string; path: string; format: string };
  suite: { name: string; version: string; source: string };
  runs: number;
  skip_warmup: boolean;
  /** Each test's final config, after every suite layer was applied. */
  tests: Record<string, Record<string, unknown>>;
  command_line: string[];
}

export type ConfigFile = { kitt_version: string } & RunConfig;
