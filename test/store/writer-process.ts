/**
 * A separate kitt process writing to a store, for the concurrency and kill tests.
 *   runs URL TAG N       — N complete runs of 2 tests each, then exit
 *   endless URL ID DIR   — run ID writing the results folder DIR, then tests of 20,000 metrics
 *                          each until killed; prints `recorded K` after each committed test
 */
import { openStore } from "../../src/store/results-store.js";
import type { StoredTest } from "../../src/store/run-record.js";

const [mode, url, tag, count] = process.argv.slice(2);
const [runId, resultsDir] = [tag, count];

function test(name: string, metricCount: number): StoredTest {
  const values: Record<string, number> = {};
  for (let i = 0; i < metricCount; i++) values[`m${i}`] = i;
  return {
    test_name: name,
    test_version: "1.0.0",
    category: "performance",
    run_number: 1,
    passed: true,
    partial: false,
    metrics: { nested: values, avg_tps: 1 },
    errors: [],
    warmup_times: [],
    duration_seconds: 0.1,
    timestamp: new Date().toISOString(),
  };
}

const store = await openStore({ url });
if (mode === "runs") {
  for (let i = 0; i < Number(count); i++) {
    const id = await store.beginRun({ kind: "run", model: `model-${tag}`, engine: "llama_cpp", suite: "quick", config: { i }, live: true });
    await store.recordTest(id, test("throughput", 20));
    await store.recordTest(id, test("latency", 20));
    await store.finishRun(id, { status: "completed", passed: true });
  }
  await store.close();
} else {
  const id = await store.beginRun({ id: runId, kind: "run", model: "killed", engine: "llama_cpp", suite: "quick", config: {}, live: true, resultsDir });
  process.stdout.write(`run ${id}\n`);
  for (let k = 1; ; k++) {
    await store.recordTest(id, test(`t${k}`, 20_000));
    process.stdout.write(`recorded ${k}\n`);
  }
}
