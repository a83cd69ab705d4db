import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad, type LoadRunOptions } from "../../../src/serve/load/load-generator.js";
import { SelftestServer } from "../../../src/serve/selftest/server.js";
import type { RequestRecord, ServeRequest } from "../../../src/serve/types.js";
import { resolveWorkerCount, splitIntoShares } from "../../../src/serve/workers/shares.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function requests(count: number): ServeRequest[] {
  return Array.from({ length: count }, (_, index) => ({ prompt: `worker test ${index}`, promptTokens: 3, outputTokens: 1 + (index % 7) }));
}

/** What must not depend on which thread sent a request: everything but the timings. */
function comparable(records: RequestRecord[]): unknown[] {
  return records
    .sort((a, b) => a.index - b.index)
    .map(({ sentMs: _s, writtenMs: _w, ttftMs: _t, ttftContentMs: _c, e2elMs: _e, chunkMs, ...rest }) => ({ ...rest, chunks: chunkMs.length }));
}

describe("worker threads", () => {
  let server: SelftestServer;
  let baseUrl: string;

  beforeAll(async () => {
    server = new SelftestServer({ firstTokenMs: 2, tokenIntervalMs: 1 });
    baseUrl = await server.listen();
  });

  afterAll(async () => {
    await server.close();
  });

  async function run(workers: number, schedule: Float64Array, maxConcurrency = 8) {
    const sent = requests(schedule.length);
    const records: RequestRecord[] = [];
    const options: LoadRunOptions = {
      baseUrl,
      protocol: "openai-completions",
      model: "test",
      maxConcurrency,
      schedule,
      durationMs: Infinity,
      maxErrors: Infinity,
      maxErrorRate: 1,
      ignoreEos: true,
      temperature: 0,
      workers,
    };
    const result = await runLoad(sent, options, { onRecord: (record) => records.push(record) });
    return { result, records };
  }

  it("produce the same records as one event loop", async () => {
    const schedule = Float64Array.from({ length: 48 }, (_, index) => index * 2);
    const single = await run(0, schedule);
    const threaded = await run(3, schedule);
    expect(threaded.result.client.workerThreads).toBe(3);
    expect(single.result.client.workerThreads).toBe(0);
    expect(comparable(threaded.records)).toEqual(comparable(single.records));
    // Every thread keeps to the shared run clock: nothing is sent before its time.
    for (const record of threaded.records) expect(record.sentMs).toBeGreaterThanOrEqual(record.scheduledMs as number);
  });

  it("stop together when the run is aborted", async () => {
    const controller = new AbortController();
    const sent = requests(400);
    const records: RequestRecord[] = [];
    const abortAfterTen = (record: RequestRecord): void => {
      records.push(record);
      if (records.length === 10) controller.abort();
    };
    const result = await runLoad(
      sent,
      {
        baseUrl,
        protocol: "openai-completions",
        model: "test",
        maxConcurrency: 4,
        schedule: Float64Array.from({ length: 400 }, (_, index) => index * 5),
        durationMs: Infinity,
        maxErrors: Infinity,
        maxErrorRate: 1,
        ignoreEos: true,
        temperature: 0,
        workers: 2,
      },
      { onRecord: abortAfterTen },
      controller.signal,
    );
    expect(result.stoppedBecause).toBe("aborted");
    expect(records.length).toBeGreaterThanOrEqual(10);
    expect(records.length).toBeLessThan(400);
  });

  it("split the requests round-robin and the concurrency cap exactly", () => {
    const shares = splitIntoShares(requests(10), Float64Array.from({ length: 10 }, (_, index) => index), 3, {
      sender: { baseUrl, protocol: "openai-completions", model: "m", ignoreEos: true, temperature: 0 },
      maxConcurrency: 7,
      paced: true,
      durationMs: Infinity,
    });
    expect(shares.map((share) => Array.from(share.indices))).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ]);
    expect(shares.map((share) => share.maxConcurrency)).toEqual([3, 2, 2]);
    expect(shares.map((share) => share.sender.connections)).toEqual([3, 2, 2]);
  });

  it("are used only when the load needs them and cores allow", () => {
    const unpaced = new Float64Array(10_000);
    const rate = (perSecond: number, count = 10_000) => Float64Array.from({ length: count }, (_, index) => ((index + 1) / perSecond) * 1000);
    expect(resolveWorkerCount("auto", rate(500), Infinity, 16)).toBe(0);
    expect(resolveWorkerCount("auto", rate(6_000), Infinity, 16)).toBe(3);
    expect(resolveWorkerCount("auto", unpaced, 64, 16)).toBe(0);
    expect(resolveWorkerCount("auto", unpaced, 2_048, 16)).toBe(4);
    expect(resolveWorkerCount("auto", unpaced, 2_048, 2)).toBe(0);
    expect(resolveWorkerCount(3, unpaced, 2, 16)).toBe(2);
    expect(() => resolveWorkerCount(-1, unpaced, 2, 16)).toThrow(/whole number/);
  });
});

/**
 * Transpiles the import closure of `entries` to JavaScript under `outRoot`, keeping the source
 * layout, as the build does for `dist/`; types are not checked (the typecheck does that).
 */
function transpileTree(entries: string[], outRoot: string): void {
  const pending = [...entries];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)\.js"/g)) {
      pending.push(resolve(dirname(file), `${match[1]}.ts`));
    }
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    }).outputText;
    const target = join(outRoot, relative(repoRoot, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
}

describe("from compiled JavaScript, as in dist/", () => {
  it("runs worker threads and the self-test server process without tsx", async () => {
    const outRoot = mkdtempSync(join(tmpdir(), "kitt-compiled-"));
    try {
      // The worker and server entries are loaded by URL, not imported, so they are entries too.
      transpileTree(
        [
          "src/serve/load/load-generator.ts",
          "src/serve/workers/entry.ts",
          "src/serve/selftest/server-main.ts",
          "src/serve/selftest/server-process.ts",
        ].map((path) => join(repoRoot, path)),
        outRoot,
      );
      writeFileSync(join(outRoot, "package.json"), '{"type":"module"}\n');
      symlinkSync(join(repoRoot, "node_modules"), join(outRoot, "node_modules"), "dir");
      const script = join(outRoot, "run.mjs");
      writeFileSync(
        script,
        `import { runLoad } from "./src/serve/load/load-generator.js";
import { SelftestServerProcess } from "./src/serve/selftest/server-process.js";
const server = await SelftestServerProcess.start({ firstTokenMs: 0, tokenIntervalMs: 0 });
const requests = Array.from({ length: 30 }, (_, i) => ({ prompt: "compiled " + i, promptTokens: 2, outputTokens: 4 }));
let completed = 0;
const result = await runLoad(requests, { baseUrl: server.url, protocol: "openai-completions", model: "m", maxConcurrency: 6,
  schedule: new Float64Array(30), durationMs: Infinity, maxErrors: Infinity, maxErrorRate: 1, ignoreEos: true, temperature: 0, workers: 2 },
  { onRecord: (record) => { if (record.success && record.chunkMs.length === 4) completed++; } });
const report = await server.report();
await server.close();
console.log(JSON.stringify({ completed, workers: result.client.workerThreads, served: report.requests, stopped: result.stoppedBecause }));
`,
      );
      // A plain node, with no loader: anything still pointing at a .ts file would fail here.
      const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: outRoot, timeout: 60_000 });
      expect(JSON.parse(stdout)).toEqual({ completed: 30, workers: 2, served: 30, stopped: "completed" });
    } finally {
      rmSync(outRoot, { recursive: true, force: true });
    }
  });
});
