/**
 * The storage suite, run against SQLite and PostgreSQL alike. PostgreSQL tests are skipped
 * when no server is reachable, except in CI, where `testPostgres` throws instead.
 */
import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { SuitePlan, SuiteSummary, TestResult } from "../../src/bench/suite-results.js";
import { migrations } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/results-store.js";
import { StoreQueue } from "../../src/store/store-queue.js";
import { StoreSink } from "../../src/store/store-sink.js";
import { writeTransaction } from "../../src/store/write-transaction.js";
import { allBackends } from "./backends.js";
import { exited, startWriter, waitForLine } from "./child-process.js";

const fixtures = fileURLToPath(new URL("../fixtures/store/", import.meta.url));
const backends = await allBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name), "utf8");
  return out;
}

function testResult(name: string, metrics: TestResult["metrics"]): TestResult {
  return {
    test_name: name,
    test_version: "1.0.0",
    category: "performance",
    run_number: 1,
    passed: true,
    partial: false,
    metrics,
    errors: [],
    warmup_times: [1, 2],
    timestamp: "2026-01-02T03:04:05.000Z",
    duration_seconds: 1.5,
  };
}

describe.each(backends)("results store on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  const open = async (url?: string) => openStore({ url: url ?? (await backend.freshUrl()) });

  test("migrates once and again without change", async () => {
    const url = await backend.freshUrl();
    await using first = await openStore({ url, migrate: false });
    expect(await first.checkSchema()).toBe(0);
    expect((await first.migrate()).applied).toEqual(["1_initial", "2_run_folders", "3_run_owner_identity", "4_web_tokens", "5_jobs", "6_web_settings", "7_agents"]);
    expect((await first.migrate()).applied).toEqual([]);
    await using second = await openStore({ url });
    expect(await second.checkSchema()).toBe(7);
  });

  test("migrates a v1 database to the latest schema, keeping its runs", async () => {
    const url = await backend.freshUrl();
    const [v1] = migrations;
    {
      await using store = await openStore({ url, migrate: false });
      await writeTransaction(store.db, store.dialect, async (tx) => {
        await v1!.up(tx as never, store.dialect);
        await tx.schema.createTable("schema_migrations").addColumn("version", "integer", (c) => c.primaryKey()).addColumn("name", "text").addColumn("applied_at", "bigint").execute();
        await tx.insertInto("schema_migrations").values({ version: 1, name: "initial", applied_at: 0 }).execute();
        await tx.insertInto("runs").values({ id: "old", kind: "run", model: "m", engine: "e", suite: "quick", started_at: 1, status: "completed", passed: 1, config: "{}" } as never).execute();
      });
    }
    await using store = await openStore({ url });
    expect(await store.checkSchema()).toBe(7);
    expect(await store.getRun("old")).toMatchObject({ id: "old", status: "completed", results_dir: null, content_hash: null, owner_token: null });
  });

  test("refuses a database from a newer kitt", async () => {
    const url = await backend.freshUrl();
    {
      await using store = await openStore({ url });
      await store.db.insertInto("schema_migrations").values({ version: 99, name: "future", applied_at: Date.now() }).execute();
    }
    await expect(openStore({ url })).rejects.toThrow("database schema v99 is newer than this kitt (v7); upgrade kitt");
  });

  test("round trip: import, export byte-identical, import the export, export again", async () => {
    await using store = await open();
    const work = await mkdtemp(join(tmpdir(), "kitt-roundtrip-"));
    try {
      for (const folder of ["kitt-run", "kitt-serve", "kitt-original", "vllm"]) {
        const source = join(fixtures, folder);
        const [first] = await store.importPath(source);
        await store.exportRunToFolder(first!.id, join(work, folder, "a"));
        expect(await filesOf(join(work, folder, "a"))).toEqual(await filesOf(source));
        const [second] = await store.importPath(join(work, folder, "a"));
        await store.exportRunToFolder(second!.id, join(work, folder, "b"));
        expect(await filesOf(join(work, folder, "b"))).toEqual(await filesOf(source));
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  test("imports are idempotent: the same files, or a complete run of the same id, are not stored twice", async () => {
    await using store = await open();
    const first = await store.importPath(fixtures);
    expect(first.map((run) => run.outcome)).toEqual(["imported", "imported", "imported", "imported"]);
    const again = await store.importPath(fixtures);
    expect(again).toEqual(first.map((run) => ({ ...run, outcome: "already stored" })));
    expect((await store.stats()).runs).toBe(4);

    // A folder that carries its run's id, stored only in part (its writer lost the database
    // after the first test): importing it completes that run instead of adding another.
    const folder = await mkdtemp(join(tmpdir(), "kitt-import-id-"));
    await cp(join(fixtures, "kitt-run"), folder, { recursive: true });
    const runId = randomUUID();
    const config = JSON.parse(await readFile(join(folder, "config.json"), "utf8")) as Record<string, unknown>;
    await writeFile(join(folder, "config.json"), JSON.stringify({ ...config, run_id: runId }));
    await store.beginRun({ id: runId, kind: "run", model: "kitt-tiny-llama.gguf", engine: "llama_cpp", suite: "quick", config: {} });
    expect(await store.importPath(folder)).toEqual([{ id: runId, source: folder, outcome: "updated" }]);
    const run = (await store.getRun(runId))!;
    expect(run.status).toBe("completed");
    expect((await store.exportRun(runId)).files["config.json"]).toBe(await readFile(join(folder, "config.json"), "utf8"));
    expect(await store.importPath(folder)).toEqual([{ id: runId, source: folder, outcome: "already stored" }]);
    expect((await store.stats()).runs).toBe(5);

    // A run of that id still being written by a live kitt (this process) is left alone.
    const liveId = randomUUID();
    await writeFile(join(folder, "config.json"), JSON.stringify({ ...config, run_id: liveId }));
    await store.beginRun({ id: liveId, kind: "run", model: "m", engine: "e", suite: "quick", config: {}, live: true });
    expect(await store.importPath(folder)).toEqual([{ id: liveId, source: folder, outcome: "still running" }]);
    expect((await store.getRun(liveId))!.status).toBe("running");
    await rm(folder, { recursive: true, force: true });
  });

  test("stores nested metrics under dotted names and keeps per-request samples whole", async () => {
    await using store = await open();
    const [run] = await store.importPath(join(fixtures, "kitt-original"));
    const stored = await store.getRun(run!.id);
    const latency = stored!.benchmarks.find((b) => b.test_name === "latency")!;
    expect(latency.metric_values["ttft_ms.p99"]).toBe(40.5);
    expect(latency.metric_values["per_token_ms.std_dev"]).toBe(0.1);
    expect(stored!.status).toBe("completed");
    expect(stored!.hardware).toEqual({ gpu: "NVIDIA RTX 4090", gpu_count: 1, cuda_version: "12.4" });

    const [kitt] = await store.importPath(join(fixtures, "kitt-run"));
    const throughput = (await store.getRun(kitt!.id))!.benchmarks[0]!;
    const original = JSON.parse(await readFile(join(fixtures, "kitt-run/metrics.json"), "utf8")) as { results: TestResult[] };
    expect(throughput.metrics).toEqual(original.results[0]!.metrics);
    expect(Object.keys(throughput.metric_values).some((name) => name.startsWith("per_request"))).toBe(false);
    expect(throughput.metric_values.avg_tps).toBe(original.results[0]!.metrics.avg_tps);

    const id = await store.beginRun({ kind: "run", model: "m", engine: "e", suite: "s", config: {} });
    await store.recordTest(id, testResult("scaling", { levels: [{ concurrency: 1, output_throughput: 10 }, { concurrency: 4, output_throughput: 35.5 }], label: "x", ok: true }));
    const values = (await store.getRun(id))!.benchmarks[0]!.metric_values;
    expect(values).toEqual({ "levels.0.concurrency": 1, "levels.0.output_throughput": 10, "levels.1.concurrency": 4, "levels.1.output_throughput": 35.5 });
  });

  test("imports a vLLM result file", async () => {
    await using store = await open();
    const [run] = await store.importPath(join(fixtures, "vllm/vllm-0.8.4-qps8-Llama-3.1-8B-Instruct-20250314-103000.json"));
    const stored = (await store.getRun(run!.id))!;
    expect(stored).toMatchObject({ kind: "serve", model: "meta-llama/Llama-3.1-8B-Instruct", engine: "vllm", suite: "vllm-bench-serve", status: "completed", passed: true });
    expect(stored.started_at).toBe(new Date(2025, 2, 14, 10, 30, 0).getTime());
    expect(stored.benchmarks[0]!.metric_values.output_throughput).toBe(398.66);
    expect(stored.benchmarks[0]!.metric_values["ttfts.0"]).toBeUndefined();
    expect(stored.benchmarks[0]!.metrics.ttfts).toEqual([0.0412, 0.0388, 0.0401, 0.0395]);
  });

  test("lists runs with filters, newest first", async () => {
    await using store = await open();
    const day = 86_400_000;
    for (let i = 0; i < 6; i++) {
      const id = await store.beginRun({ kind: "run", model: i % 2 ? "a" : "b", engine: i < 3 ? "vllm" : "llama_cpp", suite: "quick", config: {}, startedAt: i * day });
      await store.finishRun(id, { status: i === 5 ? "failed" : "completed", passed: i !== 5 });
    }
    const models = (runs: { model: string; started_at: number }[]) => runs.map((r) => `${r.model}@${r.started_at / day}`);
    expect(models(await store.listRuns({ model: "a" }))).toEqual(["a@5", "a@3", "a@1"]);
    expect(models(await store.listRuns({ engine: "vllm", since: day }))).toEqual(["a@1", "b@2"].reverse());
    expect(models(await store.listRuns({ status: "failed" }))).toEqual(["a@5"]);
    expect(models(await store.listRuns({ until: 2 * day, limit: 1, offset: 1 }))).toEqual(["b@0"]);
    expect((await store.stats()).by_status).toEqual({ completed: 5, failed: 1 });
  });

  test("deleting a run removes its benchmarks, metrics, samples and documents", async () => {
    await using store = await open();
    const [keep] = await store.importPath(join(fixtures, "kitt-serve"));
    const [gone] = await store.importPath(join(fixtures, "kitt-run"));
    expect(await store.deleteRun(gone!.id)).toBe(true);
    expect(await store.deleteRun(gone!.id)).toBe(false);
    for (const table of ["benchmarks", "metrics", "request_samples", "raw_documents"] as const) {
      const rows = await store.db.selectFrom(table).select("run_id").execute();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.run_id === keep!.id)).toBe(true);
    }
    expect(await store.getRun(gone!.id)).toBeUndefined();
  });

  test("StoreSink records a run as it goes and keeps metrics.json exact; importing its folder finds it", async () => {
    const url = await backend.freshUrl();
    await using store = await openStore({ url });
    await using queue = new StoreQueue((signal) => openStore({ url, signal }), new AbortController().signal);
    const metrics = JSON.parse(await readFile(join(fixtures, "kitt-run/metrics.json"), "utf8")) as SuiteSummary & { results: TestResult[] };
    const hardware = JSON.parse(await readFile(join(fixtures, "kitt-run/hardware.json"), "utf8")) as unknown;
    const config = JSON.parse(await readFile(join(fixtures, "kitt-run/config.json"), "utf8")) as unknown;
    const runId = randomUUID();
    const sink = new StoreSink({
      queue,
      runId,
      resultsDir: join(fixtures, "kitt-run"),
      meta: { model: "kitt-tiny-llama.gguf", engine: "llama_cpp", runtime: "native" },
      configFile: config,
      hardware,
      metricsSnapshot: () => metrics as never,
    });
    const plan: SuitePlan = { suite_name: "quick", suite_version: "1.0.0", runs: 1, started_at: "2026-11-22T08:39:09.443Z", tests: [{ test_name: "throughput", run_number: 1 }] };
    await sink.start(plan);
    await sink.onTestResult(metrics.results[0]!);
    await queue.drain();
    expect((await store.getRun(runId))!.status).toBe("running");
    await sink.finish({ ...metrics, status: "completed", started_at: plan.started_at, finished_at: "2026-11-22T08:39:10.220Z", not_run: [], stop_reason: null });
    await queue.drain();
    expect(queue.failure).toBeUndefined();
    const run = (await store.getRun(runId))!;
    expect(run).toMatchObject({ status: "completed", suite: "quick", runtime: "native", owner_pid: process.pid, results_dir: join(fixtures, "kitt-run") });
    expect((await store.exportRun(run.id)).files).toEqual(await filesOf(join(fixtures, "kitt-run")));
    expect(await store.importPath(join(fixtures, "kitt-run"))).toEqual([{ id: runId, source: join(fixtures, "kitt-run"), outcome: "already stored" }]);
    expect((await store.stats()).runs).toBe(1);
  });

  test("StoreSink keeps the run going when the database fails", async () => {
    const store = await open();
    await store.close();
    const queue = new StoreQueue(async () => store, new AbortController().signal);
    const sink = new StoreSink({ queue, runId: randomUUID(), resultsDir: "/nowhere", meta: { model: "m", engine: "e" }, configFile: {}, hardware: {} });
    await sink.start({ suite_name: "quick", suite_version: "1", runs: 1, started_at: new Date().toISOString(), tests: [] });
    await sink.onTestResult(testResult("t", {}));
    await queue.drain();
    expect(queue.failure).toBeInstanceOf(Error);
  });

  test("a writer killed mid-run leaves whole tests; the next open marks the run and its folder interrupted", async () => {
    const url = await backend.freshUrl();
    await (await openStore({ url })).close();
    const runId = randomUUID();
    const folder = await mkdtemp(join(tmpdir(), "kitt-killed-run-"));
    await cp(join(fixtures, "kitt-run"), folder, { recursive: true });
    const metrics = JSON.parse(await readFile(join(folder, "metrics.json"), "utf8")) as Record<string, unknown>;
    await writeFile(join(folder, "metrics.json"), JSON.stringify({ ...metrics, status: "running", finished_at: null }));
    const config = JSON.parse(await readFile(join(folder, "config.json"), "utf8")) as Record<string, unknown>;
    await writeFile(join(folder, "config.json"), JSON.stringify({ ...config, run_id: runId }));
    const child = startWriter(["endless", url, runId, folder]);
    const done = exited(child);
    expect(await waitForLine(child, /^run /)).toBe(`run ${runId}`);
    await waitForLine(child, /^recorded 3$/);
    child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
    expect(JSON.parse(await readFile(join(folder, "metrics.json"), "utf8")).status).toBe("running");

    await using store = await openStore({ url });
    const run = (await store.getRun(runId))!;
    expect(run).toMatchObject({ status: "interrupted", stop_reason: "the kitt process writing this run died", results_dir: folder });
    expect(run.benchmarks.length).toBeGreaterThanOrEqual(3);
    for (const benchmark of run.benchmarks) expect(Object.keys(benchmark.metric_values)).toHaveLength(20_001);
    const orphans = await store.db.selectFrom("metrics").select("benchmark_id").where("run_id", "=", runId).groupBy("benchmark_id").execute();
    expect(orphans).toHaveLength(run.benchmarks.length);
    const corrected = JSON.parse(await readFile(join(folder, "metrics.json"), "utf8")) as Record<string, unknown>;
    expect(corrected).toMatchObject({ status: "interrupted", stop_reason: "the kitt process writing this run died", finished_at: new Date(run.finished_at!).toISOString() });
    expect(await readFile(join(folder, "summary.md"), "utf8")).toContain("**Status:** interrupted");
    expect(await store.markStaleRuns()).toEqual([]);
    await rm(folder, { recursive: true, force: true });
  }, 60_000);

  test("a run whose writer's pid now belongs to another process is stale; its live writer's is not", async () => {
    await using store = await open();
    const live = await store.beginRun({ kind: "run", model: "m", engine: "e", suite: "quick", config: {}, live: true });
    expect((await store.getRun(live))!.owner_token).toMatch(/^[0-9a-f-]+\/\d+\/\d+$/);
    // The same pid (this process, alive) with another start time: a kitt that died, its pid reused.
    const reused = await store.beginRun({ kind: "run", model: "m", engine: "e", suite: "quick", config: {}, live: true });
    const token = (await store.getRun(reused))!.owner_token!.replace(/\/\d+$/, "/1");
    await store.db.updateTable("runs").set({ owner_token: token }).where("id", "=", reused).execute();
    expect(await store.markStaleRuns()).toEqual([reused]);
    expect((await store.getRun(reused))!.status).toBe("interrupted");
    expect((await store.getRun(live))!.status).toBe("running");
  });

  test("two processes writing at once lose nothing", async () => {
    const url = await backend.freshUrl();
    const writers = ["x", "y"].map((tag) => startWriter(["runs", url, tag, "25"]));
    const results = await Promise.all(writers.map(exited));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    await using store = await openStore({ url });
    for (const tag of ["x", "y"]) {
      const runs = await store.listRuns({ model: `model-${tag}`, limit: 100 });
      expect(runs).toHaveLength(25);
      expect(runs.every((run) => run.status === "completed")).toBe(true);
    }
    expect((await store.stats()).benchmarks).toBe(100);
  }, 60_000);
});

describe("results store on a SQLite file", () => {
  it("refuses a corrupt file, naming it, and leaves it untouched", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kitt-corrupt-"));
    const path = join(dir, "kitt.db");
    const garbage = "this is not a database ".repeat(300);
    await writeFile(path, garbage);
    await expect(openStore({ url: path })).rejects.toThrow(`${path} is not a kitt database or is corrupt`);
    expect(await readFile(path, "utf8")).toBe(garbage);
    await rm(dir, { recursive: true, force: true });
  });
});
