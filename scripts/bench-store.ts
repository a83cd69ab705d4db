/**
 * How fast the SQLite store lists and compares runs: fills a temp database with 10,000 runs
 * (one test and 20 metrics each, written in batches of 500 runs per transaction), then times
 * filtered listings and a 10-run metric comparison. Run: `npx tsx scripts/bench-store.ts`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/store/results-store.js";
import { FILL_DAY, FILL_START, fillStore } from "./lib/fill-store.js";
import { scriptArgs } from "./lib/script-args.js";

scriptArgs("npx tsx scripts/bench-store.ts", {});

const RUNS = 10_000;
const REPEATS = 15;
const day = FILL_DAY;
const start = FILL_START;

const dir = await mkdtemp(join(tmpdir(), "kitt-bench-store-"));
try {
  await using store = await openStore({ url: join(dir, "kitt.db") });
  const fillStart = performance.now();
  await fillStore(store, RUNS);
  const fillSeconds = (performance.now() - fillStart) / 1000;

  const median = async (work: () => Promise<unknown>): Promise<number> => {
    await work();
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      await work();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  };
  const cases: [string, () => Promise<unknown>][] = [
    ["list, no filter (50)", () => store.listRuns()],
    ["list, all 10,000", () => store.listRuns({ limit: RUNS })],
    ["list, model filter", () => store.listRuns({ model: "model-7", limit: RUNS })],
    ["list, engine + suite + since", () => store.listRuns({ engine: "vllm", suite: "quick", since: start + 180 * day, limit: RUNS })],
    ["list, model + date range", () => store.listRuns({ model: "model-3", since: start + 30 * day, until: start + 200 * day, limit: RUNS })],
  ];
  const ten = (await store.listRuns({ limit: 10 })).map((run) => run.id);
  cases.push(["compare 10 runs' metrics", () => store.compareMetrics(ten)]);

  console.log(`filled ${RUNS} runs (${RUNS * 20} metrics) in ${fillSeconds.toFixed(1)} s`);
  for (const [name, work] of cases) console.log(`${name.padEnd(32)} ${(await median(work)).toFixed(2).padStart(8)} ms (median of ${REPEATS})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
