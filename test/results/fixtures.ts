/** Results and metrics files for report tests. */
import type { TestResult } from "../../src/bench/suite-results.js";
import type { MetricsFile, RunConfig } from "../../src/results/metrics-file.js";

export function testResult(overrides: Partial<TestResult> = {}): TestResult {
  return {
    test_name: "throughput",
    test_version: "1.0.0",
    category: "performance",
    run_number: 1,
    passed: true,
    partial: false,
    metrics: {
      requests: 5,
      avg_tps: 123.456,
      p50_latency_ms: 250.5,
      p99_latency_ms: 498.04,
      avg_ttft_ms: 20,
      per_request: [],
    },
    errors: [],
    warmup_times: [40, 30, 30, 30, 30],
    timestamp: "2025-01-02T03:04:05.000Z",
    duration_seconds: 3.25,
    ...overrides,
  };
}

export function metricsFile(overrides: Partial<MetricsFile> = {}): MetricsFile {
  return {
    kitt_version: "0.1.0",
    suite_name: "quick",
    suite_version: "1.0.0",
    status: "completed",
    timestamp: "2025-01-02T03:04:05.000Z",
    finished_at: "2025-01-02T03:04:09.000Z",
    engine: "llama_cpp",
    model: "tiny.gguf",
    passed: true,
    total_benchmarks: 1,
    planned_benchmarks: 1,
    passed_count: 1,
    failed_count: 0,
    total_time_seconds: 4,
    system_info: {},
    stop_reason: null,
    results: [testResult()],
    not_run: [],
    ...overrides,
  };
}

export const runConfig: RunConfig = {
  engine: { name: "llama_cpp", runtime: "docker", image: "kitt/llama-cpp:test" },
  model: { name: "tiny.gguf", path: "/models/tiny.gguf", format: "gguf" },
  suite: { name: "t", version: "1", source: "/suites/t.yaml" },
  runs: 1,
  skip_warmup: false,
  tests: { a: { warmup_iterations: 5, warmup_max_tokens: 10 } },
  command_line: ["kitt", "run", "-m", "/models/tiny.gguf", "-e", "llama_cpp"],
};
