/**
 * A run as the store keeps it: who ran what, each test's result, and how the run ended. Imports
 * build one from files; the writer stores one.
 */
import type { TestResult } from "../bench/suite-results.js";
import type { RunKind, RunStatus } from "./schema.js";

export interface RunMeta {
  /** The run's id: the one its results folder carries, else a new one. */
  id?: string;
  kind: RunKind;
  model: string;
  engine: string;
  engineVersion?: string | null;
  imageDigest?: string | null;
  suite: string;
  suiteVersion?: string | null;
  runtime?: string | null;
  /** Epoch ms; now by default. */
  startedAt?: number;
  kittVersion?: string | null;
  config: unknown;
  hardware?: unknown;
  /** Exact file texts to export later (`config.json`, `hardware.json`…), by file name. */
  documents?: Record<string, string>;
  /** Folder or file the run came from, for imports. */
  source?: string | null;
  /** True while this process writes the run: lets `markStaleRuns` find it if the process dies. */
  live?: boolean;
  /** The results folder a live run writes. */
  resultsDir?: string | null;
}

export interface RunEnd {
  status: Exclude<RunStatus, "running">;
  /** Epoch ms; now by default. */
  finishedAt?: number;
  passed: boolean;
  stopReason?: string | null;
  documents?: Record<string, string>;
}

/** A test's result, as stored: `TestResult` or any benchmark-shaped record (serving runs). */
export type StoredTest = Pick<TestResult, "test_name" | "test_version" | "category" | "run_number" | "passed" | "partial" | "metrics" | "errors" | "warmup_times" | "duration_seconds"> & {
  timestamp?: string | null;
  /** Extra sample files, e.g. `requests.jsonl`, stored compressed beside the benchmark. */
  sampleFiles?: Record<string, string>;
};

/** A whole run as read from its files: what imports store. */
export interface RunRecord {
  meta: RunMeta;
  tests: StoredTest[];
  end: RunEnd;
}
