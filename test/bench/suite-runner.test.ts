import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/bench/registry.js";
import { combineSinks, type ResultSink, type SuiteEvent, type SuiteSummary, type TestResult } from "../../src/bench/suite-results.js";
import { runSuite } from "../../src/bench/suite-runner.js";
import { throughputBenchmark } from "../../src/bench/throughput.js";
import type { Benchmark, BenchmarkContext, BenchmarkOutcome } from "../../src/bench/types.js";
import { baseTestConfigSchema, type BaseTestConfig } from "../../src/config/suite-schema.js";
import { parseSuite } from "../../src/bench/suite.js";
import { KittError } from "../../src/errors.js";
import { result, ScriptedEngine } from "./scripted-engine.js";

/** What the fakes, sinks and tests did, in order. */
let log: string[] = [];

type Behaviour = (ctx: BenchmarkContext<BaseTestConfig>) => Promise<BenchmarkOutcome>;

const ok: Behaviour = async () => ({ metrics: { score: 1 }, errors: [], warmupTimes: [], passed: true });

function fake(name: string, behaviour: Behaviour = ok): Benchmark<typeof baseTestConfigSchema> {
  return {
    name,
    category: "performance",
    version: "2.0.0",
    description: "test double",
    configSchema: baseTestConfigSchema,
    headlineMetrics: [],
    run: (ctx) => {
      log.push(`run ${name}`);
      return behaviour(ctx);
    },
  };
}

/** A sink that records the order of calls and what it was given. */
class RecordingSink implements ResultSink {
  readonly results: TestResult[] = [];
  summary: SuiteSummary | undefined;
  start() {
    log.push("sink start");
  }
  async onTestResult(result: TestResult) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.results.push(result);
    log.push(`sink saved ${result.test_name}#${result.run_number}`);
  }
  finish(summary: SuiteSummary) {
    this.summary = summary;
    log.push("sink finish");
  }
}

function suiteOf(tests: string[], benchmarks: Benchmark[], extra = "") {
  const registry = createRegistry(benchmarks);
  const suite = parseSuite(`suite_name: t\ntests: [${tests.join(", ")}]\n${extra}`, "t.yaml", registry);
  return { suite, registry };
}

describe("runSuite", () => {
  it("hands the suite's settings to the benchmark", async () => {
    const { suite, registry } = suiteOf(
      ["throughput"],
      [throughputBenchmark],
      "global_config: {warmup_iterations: 0, prompts: [one, two]}\nsampling_overrides: {temperature: 0.3}\ntest_overrides: {throughput: {max_tokens: 7}}\n",
    );
    const engine = new ScriptedEngine();
    const summary = await runSuite({ engine, suite, registry });
    expect(engine.requests).toEqual([
      { prompt: "one", maxTokens: 7, temperature: 0.3 },
      { prompt: "two", maxTokens: 7, temperature: 0.3 },
    ]);
    expect(summary.results[0]?.metrics.requests).toBe(2);
  });

  it("runs each test `runs` times in order and saves every result before the next test starts", async () => {
    log = [];
    const { suite, registry } = suiteOf(["a", "b"], [fake("a"), fake("b")]);
    const sink = new RecordingSink();
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry, runs: 2, sink });
    expect(log).toEqual([
      "sink start",
      "run a",
      "sink saved a#1",
      "run a",
      "sink saved a#2",
      "run b",
      "sink saved b#1",
      "run b",
      "sink saved b#2",
      "sink finish",
    ]);
    expect(summary).toMatchObject({ status: "completed", passed: true, not_run: [], stop_reason: null });
    expect(sink.summary).toBe(summary);
    expect(summary.results[1]).toMatchObject({
      test_name: "a",
      test_version: "2.0.0",
      category: "performance",
      run_number: 2,
      passed: true,
      partial: false,
      metrics: { score: 1 },
      errors: [],
      warmup_times: [],
    });
    expect(Date.parse(summary.results[0]?.timestamp ?? "")).not.toBeNaN();
  });

  it("repeats a test as often as its entry says, others as the suite says, and --runs overrides both", async () => {
    const { suite, registry } = suiteOf(["a", "{name: b, runs: 1}", "c"], [fake("a"), fake("b"), fake("c")], "runs: 3\n");
    const events: SuiteEvent[] = [];
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry, onEvent: (event) => events.push(event) });
    expect(summary.results.map((r) => `${r.test_name}#${r.run_number}`)).toEqual(["a#1", "a#2", "a#3", "b#1", "c#1", "c#2", "c#3"]);
    expect(events.find((event) => event.type === "test-start" && event.test_name === "b")).toMatchObject({ runs: 1, index: 3, total: 7 });
    const overridden = await runSuite({ engine: new ScriptedEngine(), suite, registry, runs: 2 });
    expect(overridden.results.map((r) => `${r.test_name}#${r.run_number}`)).toEqual(["a#1", "a#2", "b#1", "b#2", "c#1", "c#2"]);
  });

  it("tells each run of a test its run number", async () => {
    const seen: (number | undefined)[] = [];
    const { suite, registry } = suiteOf(["a"], [fake("a", async (ctx) => (seen.push(ctx.runNumber), ok(ctx)))]);
    await runSuite({ engine: new ScriptedEngine(), suite, registry, runs: 3 });
    expect(seen).toEqual([1, 2, 3]);
  });

  it("records a failing test and goes on to the next", async () => {
    log = [];
    const broken = fake("a", async () => {
      throw new KittError("BENCHMARK_FAILED", "no answers parsed");
    });
    const { suite, registry } = suiteOf(["a", "b"], [broken, fake("b")]);
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry });
    expect(summary.status).toBe("completed");
    expect(summary.passed).toBe(false);
    expect(summary.results.map((r) => [r.test_name, r.passed, r.errors])).toEqual([
      ["a", false, ["no answers parsed"]],
      ["b", true, []],
    ]);
  });

  it("stops when the engine dies: the partial result is kept, the rest are not run", async () => {
    log = [];
    const dying = fake("b", async () => ({
      metrics: { requests: 2 },
      errors: ["request 3/5: engine exited with code 139"],
      warmupTimes: [12],
      passed: false,
      partial: true,
      cause: new KittError("ENGINE_DIED", "engine exited with code 139"),
    }));
    const { suite, registry } = suiteOf(["a", "b", "c"], [fake("a"), dying, fake("c")]);
    const sink = new RecordingSink();
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry, sink });
    expect(log).not.toContain("run c");
    expect(summary.status).toBe("failed");
    expect(summary.passed).toBe(false);
    expect(summary.stop_reason).toBe("engine exited with code 139");
    expect(summary.not_run).toEqual([{ test_name: "c", run_number: 1, reason: "engine exited with code 139" }]);
    expect(sink.results.map((r) => r.test_name)).toEqual(["a", "b"]);
    expect(sink.results[1]).toMatchObject({ passed: false, partial: true, metrics: { requests: 2 }, warmup_times: [12] });
  });

  it("stops when a benchmark throws because the engine died", async () => {
    const dying = fake("a", async () => {
      throw new KittError("ENGINE_DIED", "engine exited with code 1");
    });
    const { suite, registry } = suiteOf(["a", "b"], [dying, fake("b")]);
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry, runs: 2 });
    expect(summary.status).toBe("failed");
    expect(summary.results).toHaveLength(1);
    expect(summary.not_run.map((t) => `${t.test_name}#${t.run_number}`)).toEqual(["a#2", "b#1", "b#2"]);
  });

  it("stops when the signal is aborted, with status interrupted", async () => {
    const controller = new AbortController();
    const interrupted = fake("a", async () => {
      controller.abort(new Error("interrupted by SIGINT"));
      return { metrics: {}, errors: [], warmupTimes: [], passed: true };
    });
    const { suite, registry } = suiteOf(["a", "b"], [interrupted, fake("b")]);
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry, signal: controller.signal });
    expect(summary).toMatchObject({ status: "interrupted", passed: false, stop_reason: "interrupted by SIGINT" });
    expect(summary.not_run).toEqual([{ test_name: "b", run_number: 1, reason: "interrupted by SIGINT" }]);
  });

  it("keeps what throughput measured when the engine dies during it, and runs nothing after", async () => {
    let measured = 0;
    const engine = new ScriptedEngine((request) => {
      if (request.maxTokens === 10) return result();
      if (++measured === 3) throw new KittError("ENGINE_DIED", "engine exited with code 139");
      return result();
    });
    const { suite, registry } = suiteOf(["throughput", "b"], [throughputBenchmark, fake("b")]);
    const sink = new RecordingSink();
    const summary = await runSuite({ engine, suite, registry, sink });
    expect(summary.status).toBe("failed");
    expect(sink.results).toHaveLength(1);
    expect(sink.results[0]).toMatchObject({ test_name: "throughput", partial: true, passed: false, metrics: { requests: 2 } });
    expect(sink.results[0]?.warmup_times).toHaveLength(5);
    expect(summary.not_run.map((t) => t.test_name)).toEqual(["b"]);
  });

  it("tells benchmarks to skip warmup when asked", async () => {
    const seen: boolean[] = [];
    const probe = fake("a", async (ctx) => {
      seen.push(ctx.warmup);
      return ok(ctx);
    });
    const { suite, registry } = suiteOf(["a"], [probe]);
    await runSuite({ engine: new ScriptedEngine(), suite, registry });
    await runSuite({ engine: new ScriptedEngine(), suite, registry, skipWarmup: true });
    expect(seen).toEqual([true, false]);
  });

  it("reports progress as events", async () => {
    const chatty = fake("a", async (ctx) => {
      ctx.onProgress({ phase: "measure", completed: 1, total: 1 });
      return ok(ctx);
    });
    const { suite, registry } = suiteOf(["a"], [chatty]);
    const events: SuiteEvent[] = [];
    await runSuite({ engine: new ScriptedEngine(), suite, registry, onEvent: (event) => events.push(event) });
    expect(events.map((event) => event.type)).toEqual(["test-start", "progress", "test-end", "suite-end"]);
    expect(events[0]).toEqual({ type: "test-start", test_name: "a", run_number: 1, runs: 1, index: 0, total: 1 });
    expect(events[1]).toEqual({
      type: "progress",
      test_name: "a",
      run_number: 1,
      progress: { phase: "measure", completed: 1, total: 1 },
    });
  });

  it("rejects a run count below 1 before running anything", async () => {
    log = [];
    const { suite, registry } = suiteOf(["a"], [fake("a")]);
    await expect(runSuite({ engine: new ScriptedEngine(), suite, registry, runs: 0 })).rejects.toMatchObject({ code: "USAGE" });
    expect(log).toEqual([]);
  });

  it("feeds several sinks in order", async () => {
    log = [];
    const first = new RecordingSink();
    const second: ResultSink = {
      start: () => void log.push("second start"),
      onTestResult: () => void log.push("second saved"),
      finish: () => void log.push("second finish"),
    };
    const { suite, registry } = suiteOf(["a"], [fake("a")]);
    await runSuite({ engine: new ScriptedEngine(), suite, registry, sink: combineSinks(first, second) });
    expect(log).toEqual(["sink start", "second start", "run a", "sink saved a#1", "second saved", "sink finish", "second finish"]);
  });
});
