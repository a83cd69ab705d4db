/**
 * Benchmarks by name, the one place a new test is plugged in: add it to `BUILTIN_BENCHMARKS`
 * and suites can list it.
 */
import { KittError } from "../errors.js";
import { concurrencyScalingBenchmark } from "./concurrency-scaling.js";
import { latencyBenchmark } from "./latency.js";
import { longContextBenchmark } from "./long-context.js";
import { memoryUsageBenchmark } from "./memory-usage.js";
import { QUALITY_BENCHMARKS } from "./quality/index.js";
import { serveBenchmark } from "./serve-test.js";
import { throughputBenchmark } from "./throughput.js";
import type { Benchmark } from "./types.js";
import { warmupAnalysisBenchmark } from "./warmup-analysis.js";

export type BenchmarkRegistry = ReadonlyMap<string, Benchmark>;

export function createRegistry(benchmarks: Iterable<Benchmark>): BenchmarkRegistry {
  const registry = new Map<string, Benchmark>();
  for (const benchmark of benchmarks) {
    if (registry.has(benchmark.name)) throw new KittError("INTERNAL", `benchmark "${benchmark.name}" registered twice`);
    registry.set(benchmark.name, benchmark);
  }
  return registry;
}

export const BUILTIN_BENCHMARKS: BenchmarkRegistry = createRegistry([
  throughputBenchmark,
  latencyBenchmark,
  memoryUsageBenchmark,
  warmupAnalysisBenchmark,
  serveBenchmark,
  concurrencyScalingBenchmark,
  longContextBenchmark,
  ...QUALITY_BENCHMARKS,
] as Benchmark[]);

export function knownTests(registry: BenchmarkRegistry): string {
  return [...registry.keys()].sort().join(", ");
}

export function getBenchmark(registry: BenchmarkRegistry, name: string): Benchmark {
  const benchmark = registry.get(name);
  if (benchmark === undefined) throw new KittError("CONFIG_INVALID", `unknown test "${name}"; known tests: ${knownTests(registry)}`);
  return benchmark;
}
