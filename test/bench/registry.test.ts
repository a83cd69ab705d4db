import { describe, expect, it } from "vitest";
import { BUILTIN_BENCHMARKS, createRegistry, getBenchmark } from "../../src/bench/registry.js";
import { throughputBenchmark } from "../../src/bench/throughput.js";

describe("benchmark registry", () => {
  it("keys every built-in benchmark by its name", () => {
    for (const [name, benchmark] of BUILTIN_BENCHMARKS) expect(benchmark.name).toBe(name);
    expect(getBenchmark(BUILTIN_BENCHMARKS, "throughput")).toBe(throughputBenchmark);
  });

  it("has a default for every setting of every built-in benchmark", () => {
    for (const benchmark of BUILTIN_BENCHMARKS.values()) expect(() => benchmark.configSchema.parse({})).not.toThrow();
  });

  it("names the known tests when asked for an unknown one", () => {
    expect(() => getBenchmark(BUILTIN_BENCHMARKS, "nope")).toThrow('unknown test "nope"; known tests: concurrency_scaling, gsm8k, hellaswag, latency, long_context, memory_usage, mmlu, serve, throughput, truthfulqa, truthfulqa_gen, warmup_analysis');
  });

  it("refuses two benchmarks with one name", () => {
    expect(() => createRegistry([throughputBenchmark, throughputBenchmark])).toThrow(/registered twice/);
  });
});
