import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createRegistry } from "../../src/bench/registry.js";
import { runSuite } from "../../src/bench/suite-runner.js";
import type { Benchmark, BenchmarkOutcome } from "../../src/bench/types.js";
import { baseTestConfigSchema } from "../../src/config/suite-schema.js";
import { parseSuite } from "../../src/bench/suite.js";
import { KittError } from "../../src/errors.js";
import { writeFileAtomically } from "../../src/fs/atomic-file.js";
import type { MetricsFile } from "../../src/results/metrics-file.js";
import { folderTimestamp, pathSegment, ResultsFolder } from "../../src/results/results-folder.js";
import { ScriptedEngine } from "../bench/scripted-engine.js";
import { runConfig } from "./fixtures.js";

const packageVersion = (JSON.parse(await readFile("package.json", "utf8")) as { version: string }).version;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "kitt-results-"));
});

function fake(name: string, run: () => Promise<BenchmarkOutcome>): Benchmark {
  return {
    name,
    category: "performance",
    version: "1.0.0",
    description: "test double",
    configSchema: baseTestConfigSchema,
    headlineMetrics: ["score"],
    run,
  };
}

const passing = (score: number) => async (): Promise<BenchmarkOutcome> => ({
  metrics: { score, nested: { per_subject: { math: 0.5 } } },
  errors: [],
  warmupTimes: [3],
  passed: true,
});

async function readMetrics(dir: string): Promise<MetricsFile> {
  return JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as MetricsFile;
}

function createFolder(overrides: Partial<Parameters<typeof ResultsFolder.create>[0]> = {}) {
  return ResultsFolder.create({
    engine: "llama_cpp",
    model: "org/Model:Q4",
    resultsRoot: root,
    startedAt: new Date(2025, 0, 2, 3, 4, 5),
    hardware: { gpu: null, cpu: { model: "test", cores: 2 } },
    systemInfo: { os: "linux" },
    runConfig,
    ...overrides,
  });
}

describe("ResultsFolder", () => {
  it("creates <model>/<engine>/<YYYY-mm-dd_HHMMSS>, with a suffix when the second is taken", async () => {
    const first = await createFolder();
    const second = await createFolder();
    expect(first.dir).toBe(join(root, "org_Model_Q4", "llama_cpp", "2025-01-02_030405"));
    expect(second.dir).toBe(`${first.dir}_2`);
  });

  it("uses an explicit output directory as it is", async () => {
    const folder = await createFolder({ outputDir: join(root, "mine", "run") });
    expect(folder.dir).toBe(join(root, "mine", "run"));
    expect((await readdir(folder.dir)).sort()).toEqual(["config.json", "hardware.json"]);
  });

  it("writes hardware.json and config.json when created", async () => {
    const folder = await createFolder();
    expect(JSON.parse(await readFile(join(folder.dir, "hardware.json"), "utf8"))).toEqual({
      gpu: null,
      cpu: { model: "test", cores: 2 },
    });
    expect(JSON.parse(await readFile(join(folder.dir, "config.json"), "utf8"))).toEqual({
      kitt_version: packageVersion,
      ...runConfig,
    });
  });

  it("rewrites metrics.json and summary.md after every test", async () => {
    const folder = await createFolder();
    const seenBySecondTest: MetricsFile[] = [];
    const registry = createRegistry([
      fake("a", passing(1)),
      fake("b", async () => {
        seenBySecondTest.push(await readMetrics(folder.dir));
        return passing(2)();
      }),
    ]);
    const suite = parseSuite("suite_name: t\nversion: '1'\ntests: [a, b]\n", "t.yaml", registry);
    const summary = await runSuite({ engine: new ScriptedEngine(), suite, registry, sink: folder });

    const during = seenBySecondTest[0] as MetricsFile;
    expect(during.status).toBe("running");
    expect(during.results.map((r) => r.test_name)).toEqual(["a"]);
    expect(during.planned_benchmarks).toBe(2);

    const after = await readMetrics(folder.dir);
    expect(Object.keys(after)).toEqual([
      "kitt_version",
      "suite_name",
      "suite_version",
      "status",
      "timestamp",
      "finished_at",
      "engine",
      "model",
      "passed",
      "total_benchmarks",
      "planned_benchmarks",
      "passed_count",
      "failed_count",
      "total_time_seconds",
      "system_info",
      "stop_reason",
      "results",
      "not_run",
      "run_spread",
    ]);
    expect(after.run_spread).toEqual({}); // each test ran once
    expect(after).toMatchObject({
      kitt_version: packageVersion,
      suite_name: "t",
      suite_version: "1",
      status: "completed",
      timestamp: summary.started_at,
      finished_at: summary.finished_at,
      engine: "llama_cpp",
      model: "org/Model:Q4",
      passed: true,
      total_benchmarks: 2,
      planned_benchmarks: 2,
      passed_count: 2,
      failed_count: 0,
      total_time_seconds: summary.total_time_seconds,
      system_info: { os: "linux" },
      stop_reason: null,
      not_run: [],
    });
    expect(after.results).toEqual(summary.results);
    expect(after.results[0]?.metrics).toEqual({ score: 1, nested: { per_subject: { math: 0.5 } } });
    expect(Object.keys(after.results[0] ?? {})).toEqual([
      "test_name",
      "test_version",
      "category",
      "run_number",
      "passed",
      "partial",
      "metrics",
      "errors",
      "warmup_times",
      "timestamp",
      "duration_seconds",
    ]);

    const markdown = await readFile(join(folder.dir, "summary.md"), "utf8");
    expect(markdown).toContain("**Status:** completed · **Passed:** yes (2 of 2 tests passed)");
    expect(markdown).toMatch(/## a\n\n\| Run \| Result \| Time \(s\) \| score \|/);
    expect(markdown).toMatch(/## b\n\n.*\n.*\n\| 1 \| passed \| \d+\.\d \| 2 \|/);
    expect((await readdir(folder.dir)).sort()).toEqual(["config.json", "hardware.json", "metrics.json", "summary.md"]);
  });

  it("keeps completed results and marks the run failed when the engine dies", async () => {
    const registry = createRegistry([
      fake("a", passing(1)),
      fake("b", async () => {
        throw new KittError("ENGINE_DIED", "engine exited with code 139");
      }),
      fake("c", passing(3)),
    ]);
    const suite = parseSuite("suite_name: t\ntests: [a, b, c]\n", "t.yaml", registry);
    const folder = await createFolder();
    await runSuite({ engine: new ScriptedEngine(), suite, registry, sink: folder });

    const metrics = await readMetrics(folder.dir);
    expect(metrics).toMatchObject({
      status: "failed",
      passed: false,
      total_benchmarks: 2,
      planned_benchmarks: 3,
      passed_count: 1,
      failed_count: 1,
      stop_reason: "engine exited with code 139",
      not_run: [{ test_name: "c", run_number: 1, reason: "engine exited with code 139" }],
    });
    expect(metrics.results[1]).toMatchObject({ test_name: "b", passed: false, errors: ["engine exited with code 139"] });
    const markdown = await readFile(join(folder.dir, "summary.md"), "utf8");
    expect(markdown).toContain("**Stopped early:** engine exited with code 139");
    expect(markdown).toContain("## Not run\n\n- c, run 1: engine exited with code 139");
  });

  it("replaces metrics.json by rename, never in place", async () => {
    const folder = await createFolder();
    const plan = { suite_name: "t", suite_version: "1", runs: 1, started_at: new Date().toISOString(), tests: [] };
    await folder.start(plan);
    const before = await stat(folder.metricsPath);
    await folder.start(plan);
    const after = await stat(folder.metricsPath);
    expect(after.ino).not.toBe(before.ino);
    expect((await readdir(folder.dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});

describe("writeFileAtomic", () => {
  it("leaves no temporary file behind when the write fails", async () => {
    const target = join(root, "missing-dir", "file.json");
    await expect(writeFileAtomically(target, "{}")).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(root)).toEqual([]);
  });
});

describe("folder names", () => {
  it("formats local time as YYYY-mm-dd_HHMMSS", () => {
    expect(folderTimestamp(new Date(2024, 11, 31, 23, 59, 7))).toBe("2024-12-31_235907");
  });

  it("turns model names into one safe path segment", () => {
    expect(pathSegment("Qwen/Qwen2.5-7B")).toBe("Qwen_Qwen2.5-7B");
    expect(pathSegment("llama3:8b q4")).toBe("llama3_8b_q4");
    expect(pathSegment("..")).toBe("_");
  });
});
