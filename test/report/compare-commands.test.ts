/** `kitt compare`, `kitt results list|query` and `kitt report` against a SQLite store holding the report fixtures. */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { compareCommand } from "../../src/cli/commands/compare.js";
import { reportCommand } from "../../src/cli/commands/report.js";
import { resultsListCommand, resultsQueryCommand } from "../../src/cli/commands/results.js";
import { openStore } from "../../src/store/results-store.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/report");

let dir: string;
let db: string;
let serveId: string;
let h100ServeId: string;
let suiteId: string;

async function stdoutOf(action: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await action();
  } finally {
    spy.mockRestore();
  }
  return chunks.join("");
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kitt-compare-"));
  db = join(dir, "kitt.db");
  // The same serving run again, as if measured on an H100 with a slower TTFT.
  const h100 = join(dir, "h100-serve");
  await cp(join(FIXTURES, "serve"), h100, { recursive: true });
  const hardware = JSON.parse(await readFile(join(h100, "hardware.json"), "utf8")) as Record<string, unknown>;
  await writeFile(join(h100, "hardware.json"), JSON.stringify({ ...hardware, gpu: { model: "NVIDIA H100 80GB HBM3", count: 1, unified_memory: false } }));
  const serve = JSON.parse(await readFile(join(h100, "serve.json"), "utf8")) as Record<string, number>;
  await writeFile(join(h100, "serve.json"), JSON.stringify({ ...serve, median_ttft_ms: serve.median_ttft_ms! * 1.5, output_throughput: serve.output_throughput! * 0.85 }));
  await using store = await openStore({ url: db });
  serveId = (await store.importPath(join(FIXTURES, "serve")))[0]!.id;
  h100ServeId = (await store.importPath(h100))[0]!.id;
  suiteId = (await store.importPath(join(FIXTURES, "suite")))[0]!.id;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("kitt compare", () => {
  it("flags a slower TTFT and a lower throughput as regressions, by direction", async () => {
    const out = await stdoutOf(() => compareCommand([serveId.slice(0, 8), h100ServeId.slice(0, 8)], { db, format: "json" }));
    const { rows } = JSON.parse(out) as { rows: Array<{ key: string; direction: string | null; others: Array<{ flag: string; percent: number }> }> };
    const row = (key: string) => rows.find((r) => r.key === key)!;
    expect(row("serve.median_ttft_ms")).toMatchObject({ direction: "lower", others: [{ flag: "critical" }] });
    expect(row("serve.median_ttft_ms").others[0]!.percent).toBeCloseTo(50);
    expect(row("serve.output_throughput")).toMatchObject({ direction: "higher", others: [{ flag: "warning" }] });
    expect(row("serve.completed")).toMatchObject({ direction: "higher", others: [{ flag: "same" }] });
  });

  it("prints a table with the flags and a regression count", async () => {
    const out = await stdoutOf(() => compareCommand([serveId, h100ServeId], { db }));
    expect(out).toContain("serve.median_ttft_ms");
    expect(out).toContain("(+50.0%)");
    expect(out).toMatch(/critical/);
    expect(out).toMatch(/regressions: 1 critical .*1 warnings/);
  });

  it("needs two runs", async () => {
    await expect(compareCommand([serveId], { db })).rejects.toThrow(/at least two runs/);
  });
});

describe("kitt results", () => {
  it("lists runs filtered by GPU model substring, any case", async () => {
    const all = JSON.parse(await stdoutOf(() => resultsListCommand({ db, json: true }))) as Array<{ id: string; gpu: string | null }>;
    expect(all.map((r) => r.id).sort()).toEqual([serveId, h100ServeId, suiteId].sort());
    const h100 = JSON.parse(await stdoutOf(() => resultsListCommand({ db, json: true, hardware: "h100" }))) as Array<{ id: string; gpu: string }>;
    expect(h100).toEqual([expect.objectContaining({ id: h100ServeId, gpu: "NVIDIA H100 80GB HBM3" })]);
    const suites = JSON.parse(await stdoutOf(() => resultsListCommand({ db, json: true, suite: "report-fixture" }))) as unknown[];
    expect(suites).toHaveLength(1);
  });

  it("aggregates one metric per group", async () => {
    const out = await stdoutOf(() => resultsQueryCommand({ db, json: true, groupBy: "suite", metric: "median_ttft_ms", agg: "max" }));
    const groups = JSON.parse(out) as Array<{ group: string; value: number; count: number }>;
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ group: "bench-serve", count: 2 });
    const mean = JSON.parse(await stdoutOf(() => resultsQueryCommand({ db, json: true, groupBy: "engine", metric: "median_ttft_ms" }))) as Array<{ value: number }>;
    expect(mean[0]!.value).toBeCloseTo((groups[0]!.value / 1.5) * 1.25);
    const onGpu = JSON.parse(await stdoutOf(() => resultsQueryCommand({ db, json: true, groupBy: "engine", metric: "median_ttft_ms", hardware: "H100" }))) as Array<{ count: number }>;
    expect(onGpu[0]!.count).toBe(1);
  });

  it("refuses an unknown grouping or aggregate", async () => {
    await expect(resultsQueryCommand({ db, groupBy: "gpu", metric: "x" })).rejects.toThrow(/--group-by/);
    await expect(resultsQueryCommand({ db, groupBy: "engine", metric: "x", agg: "median" })).rejects.toThrow(/--agg/);
  });
});

describe("kitt report from the database", () => {
  it("renders a stored run exactly as its results folder", async () => {
    for (const format of ["csv", "md"]) {
      const stored = await stdoutOf(() => reportCommand(serveId.slice(0, 8), { db, format }));
      const folder = await stdoutOf(() => reportCommand(join(FIXTURES, "serve"), { format }));
      expect(stored.replace(/serving benchmark: \S+/, "")).toBe(folder.replace(/serving benchmark: \S+/, ""));
    }
  });

  it("writes a self-contained HTML file", async () => {
    const file = join(dir, "report.html");
    await reportCommand(suiteId, { db, output: file });
    const html = await readFile(file, "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('data-chart="throughput-concurrency" data-available="true"');
  });
});
