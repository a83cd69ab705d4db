/**
 * A quality benchmark whose data comes from the Hub: the download shows as progress lines, the
 * scores equal those of the same documents read from a folder, and the result says where the
 * data came from (`data_source`). Uses the local Hub emulator and the fake log-probability engine.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDownload } from "../../../src/bench/quality/run-quality-benchmark.js";
import type { ProgressEvent } from "../../../src/bench/types.js";
import { prepareEngine } from "../../../src/engines/launch.js";
import type { ManagedEngine } from "../../../src/engines/managed-engine.js";
import { loadMmlu } from "../../../src/quality/tasks/mmlu/data.js";
import { MMLU_DATASET } from "../../../src/quality/tasks/mmlu/dataset.js";
import { startFakeLogprobServer, type FakeLogprobServer } from "../engine/fake-logprob-server.js";
import { FIXTURES } from "../fixture-paths.js";
import { HubEmulator } from "../../support/hub-emulator.js";
import { MMLU_COLUMNS, writeHubParquet } from "./hub-parquet.js";
import { qualityBenchmark } from "../../../src/bench/quality/quality-benchmark.js";
import { mmluSpec } from "../../../src/quality/tasks/mmlu/spec.js";

const mmluBenchmark = qualityBenchmark(mmluSpec);

const VARIABLES = ["KITT_HOME", "KITT_CACHE_DIR", "KITT_DATASETS_DIR", "HF_ENDPOINT", "HF_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "HF_HUB_OFFLINE"] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
let hub: HubEmulator;
let server: FakeLogprobServer;
let engine: ManagedEngine;

beforeAll(async () => {
  hub = await HubEmulator.start({ commits: { [MMLU_DATASET.hub.repo]: MMLU_DATASET.hub.revision } });
  // The hand-made MMLU fixture (astronomy, world_religions), as cais/mmlu's parquet.
  const local = loadMmlu(join(FIXTURES, "mmlu"));
  const rows = (docs: typeof local.test) => docs.map(({ question, subject, choices, answer }) => ({ question, subject, choices, answer }));
  hub.setFile({ repo: "cais/mmlu", path: MMLU_DATASET.hub.files.test, bytes: writeHubParquet(MMLU_COLUMNS, rows(local.test)) });
  hub.setFile({ repo: "cais/mmlu", path: MMLU_DATASET.hub.files.dev, bytes: writeHubParquet(MMLU_COLUMNS, rows([...local.dev.values()].flat())) });
  for (const name of VARIABLES) delete process.env[name];
  process.env.KITT_HOME = mkdtempSync(join(tmpdir(), "kitt-hub-bench-home-"));
  process.env.KITT_CACHE_DIR = mkdtempSync(join(tmpdir(), "kitt-hub-bench-cache-"));
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HOME = mkdtempSync(join(tmpdir(), "kitt-hub-bench-hf-"));
  server = await startFakeLogprobServer();
  ({ engine } = await prepareEngine({ engine: "vllm", url: server.url, model: "tiny" }));
  await engine.start();
});

afterAll(async () => {
  await engine.terminate();
  await server[Symbol.asyncDispose]();
  await hub.close();
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

async function run(config: Record<string, unknown>, progress: ProgressEvent[] = []) {
  return mmluBenchmark.run({
    engine,
    config: mmluBenchmark.configSchema.parse(config),
    signal: new AbortController().signal,
    onProgress: (event) => progress.push(event),
    warmup: false,
  });
}

describe("quality data from the Hub", () => {
  it("MMLU from cais/mmlu: download progress, then the same scores as from the folder, labelled with the source", async () => {
    const progress: ProgressEvent[] = [];
    const fromHub = await run({ shots: 1 }, progress);
    expect(fromHub).toMatchObject({ passed: true, errors: [] });
    expect(fromHub.metrics.data_source).toBe("hub:cais/mmlu@c30699e8356da336a370243923dbaf21066bb9fe");

    const downloads = progress.filter((event) => event.message?.startsWith("downloading"));
    expect(downloads.length).toBeGreaterThanOrEqual(2);
    for (const event of downloads) {
      expect(event.message).toMatch(/^downloading cais\/mmlu all\/(test|dev)-00000-of-00001\.parquet… \d+\.\d\/\d+\.\d kB$/);
      expect(event.total).toBe(2);
    }
    expect(downloads.at(-1)).toMatchObject({ phase: "prepare", completed: 2, total: 2 });
    expect(downloads.at(-1)!.message).toMatch(/^downloading cais\/mmlu all\/dev-00000-of-00001\.parquet… (\d+\.\d)\/\1 kB$/);

    const fromFolder = await run({ shots: 1, data_dir: join(FIXTURES, "mmlu") });
    expect(fromFolder.metrics.data_source).toBe(join(FIXTURES, "mmlu"));
    for (const key of ["task", "method", "n", "acc", "per_subject", "per_category"]) expect(fromHub.metrics[key]).toEqual(fromFolder.metrics[key]);

    // Cached: the second run asks the Hub nothing and shows no download.
    const requests = hub.requests.length;
    const again: ProgressEvent[] = [];
    await run({ shots: 1, source: "hub" }, again);
    expect(hub.requests.length).toBe(requests);
    expect(again.some((event) => event.message?.startsWith("downloading"))).toBe(false);
  });

  it("a Hub error fails the test with the Hub's reason; source: local never downloads", async () => {
    await expect(run({ revision: "nope" })).rejects.toThrow("cais/mmlu has no revision nope (404 RevisionNotFound: Invalid rev id: nope): check the test's `revision`");
    await expect(run({ source: "local" })).rejects.toThrow(/^no mmlu data: pass its folder, or set KITT_DATASETS_DIR/);
  });

  it("formats download sizes in kB below a megabyte and MB above", () => {
    expect(formatDownload(3_100_000, 6_900_000)).toBe("3.1/6.9 MB");
    expect(formatDownload(12_500, 40_000)).toBe("12.5/40.0 kB");
    expect(formatDownload(3_100_000, undefined)).toBe("3.1 MB");
  });
});
