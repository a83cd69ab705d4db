/**
 * Quality tests through the CLI on the vLLM emulator. `kitt run --resume` after `kill -9`: the
 * resumed run restores every item whose record reached the checkpoint, asks the engine only for
 * the rest, and covers every document once. `--limit` takes the first documents, `--sample` a
 * seeded draw. Per-item outputs: in the results folder, in the database, through an import, and
 * shown by `kitt results items`.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../emulators/index.mjs";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";

const TOTAL = 30;
const FIXTURE_TRAIN = fileURLToPath(new URL("../fixtures/quality/gsm8k/train.jsonl", import.meta.url));

function gsm8kFolder(count = TOTAL): string {
  const dir = mkdtempSync(join(tmpdir(), "kitt-gsm8k-"));
  const docs = Array.from({ length: count }, (_, i) => JSON.stringify({ question: `What is ${i} plus ${i}?`, answer: `${i} + ${i} = ${2 * i}\n#### ${2 * i}` }));
  writeFileSync(join(dir, "test.jsonl"), `${docs.join("\n")}\n`);
  copyFileSync(FIXTURE_TRAIN, join(dir, "train.jsonl"));
  return dir;
}

function checkpointRecords(home: string): number {
  const dir = join(home, "checkpoints");
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .reduce((sum, name) => sum + readFileSync(join(dir, name), "utf8").split("\n").filter((line) => line.startsWith('{"record"')).length, 0);
}

function gsm8kMetrics(out: string): Record<string, unknown> {
  const file = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { results: Array<{ metrics: Record<string, unknown> }> };
  return file.results[0]!.metrics;
}

describe("kitt run --resume", () => {
  it("continues a run killed with SIGKILL, redoing nothing that reached the checkpoint", async () => {
    await using emulator = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 3 });
    await emulator.ready;
    const home = tempKittHome();
    const work = mkdtempSync(join(tmpdir(), "kitt-resume-cli-"));
    const suite = join(work, "suite.yaml");
    writeFileSync(
      suite,
      `suite_name: resume_check\ntests:\n  - name: gsm8k\n    shots: 0\n    concurrency: 2\n    max_gen_tokens: 60\n    data_dir: ${JSON.stringify(gsm8kFolder())}\n`,
    );
    const args = (out: string) => ["run", "-e", "vllm", "--url", emulator.url, "-m", "tiny", "-s", suite, "-o", out, "--no-store"];

    const first = startKitt(args(join(work, "first")), { KITT_HOME: home });
    const deadline = Date.now() + 60_000;
    while (checkpointRecords(home) < 4) {
      if (Date.now() > deadline || first.child.exitCode !== null) throw new Error(`no checkpoint records; stderr:\n${first.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill("SIGKILL");
    expect((await first.done).code).toBe(137);
    const kept = checkpointRecords(home);
    expect(kept).toBeLessThan(TOTAL);
    // Requests of the killed run still in flight are dropped by the engine, not finished.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = emulator.finishedRequests;

    const out = join(work, "resumed");
    const resumed = await runKitt([...args(out), "--resume"], { KITT_HOME: home });
    expect(resumed.code, resumed.stderr).toBe(0);
    const metrics = gsm8kMetrics(out);
    expect(metrics.restored).toBe(kept);
    expect(metrics.evaluated).toBe(TOTAL - kept);
    expect(metrics.n).toBe(TOTAL);
    expect(typeof metrics.exact_match_strict).toBe("number");
    expect(emulator.finishedRequests - before).toBe(TOTAL - kept);

    // The same run from scratch scores the same.
    const fresh = join(work, "fresh");
    expect((await runKitt(args(fresh), { KITT_HOME: tempKittHome() })).code).toBe(0);
    const scores = (m: Record<string, unknown>) => ({ strict: m.exact_match_strict, flexible: m.exact_match_flexible, n: m.n });
    expect(scores(metrics)).toEqual(scores(gsm8kMetrics(fresh)));
  }, 120_000);
});

describe("choosing documents on the command line", () => {
  it("--limit takes the first N like the harness; --sample N --sample-seed S draws with random.Random(S)", async () => {
    await using emulator = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 0 });
    await emulator.ready;
    const home = tempKittHome();
    const work = mkdtempSync(join(tmpdir(), "kitt-select-cli-"));
    const suite = join(work, "suite.yaml");
    writeFileSync(suite, `suite_name: select_check\ntests:\n  - name: gsm8k\n    shots: 0\n    max_gen_tokens: 4\n    data_dir: ${JSON.stringify(gsm8kFolder())}\n`);
    const keys = async (out: string, options: string[]) => {
      const run = await runKitt(["run", "-e", "vllm", "--url", emulator.url, "-m", "tiny", "-s", suite, "-o", out, "--no-store", ...options], { KITT_HOME: home });
      expect(run.code, run.stderr).toBe(0);
      const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { tests: Record<string, Record<string, unknown>> };
      const items = readFileSync(join(out, "gsm8k-run1.items.jsonl"), "utf8").trim().split("\n");
      return { config: config.tests.gsm8k, keys: items.map((line) => Number((JSON.parse(line) as { key: string }).key)).sort((a, b) => a - b) };
    };

    const first = await keys(join(work, "limit"), ["--limit", "3"]);
    expect(first.keys).toEqual([0, 1, 2]);
    expect(first.config).toMatchObject({ limit: 3 });
    // Python: sorted(random.Random(5).sample(range(30), 3)) == [8, 19, 23]; with seed 1234: [3, 14, 24].
    const sampled = await keys(join(work, "sample"), ["--sample", "3", "--sample-seed", "5"]);
    expect(sampled.keys).toEqual([8, 19, 23]);
    expect(sampled.config).toMatchObject({ sample: 3, sample_seed: 5 });
    expect((await keys(join(work, "sample-default"), ["--sample", "3"])).keys).toEqual([3, 14, 24]);

    const bad = await runKitt(["run", "-e", "vllm", "--url", emulator.url, "-m", "tiny", "-s", suite, "--sample", "0"], { KITT_HOME: home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--sample <n>' argument '0' is invalid. expected a positive integer");
    const help = (await runKitt(["run", "--help"], { KITT_HOME: home })).stdout.replace(/\s+/g, " ");
    expect(help).toContain("--limit <n> quality tests: evaluate the first N documents (MMLU: per subject), as lm-evaluation-harness's --limit");
    expect(help).toContain("--sample <n> quality tests: evaluate N documents drawn at random with --sample-seed");
  }, 120_000);
});

describe("per-item outputs", () => {
  it("land in the results folder and the database, and kitt results items shows them", async () => {
    await using emulator = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 0 });
    await emulator.ready;
    const home = tempKittHome();
    const work = mkdtempSync(join(tmpdir(), "kitt-items-cli-"));
    const suite = join(work, "suite.yaml");
    writeFileSync(suite, `suite_name: items_check\ntests:\n  - name: gsm8k\n    shots: 0\n    limit: 5\n    max_gen_tokens: 8\n    data_dir: ${JSON.stringify(gsm8kFolder())}\n`);
    const out = join(work, "results");
    const run = await runKitt(["run", "-e", "vllm", "--url", emulator.url, "-m", "tiny", "-s", suite, "-o", out], { KITT_HOME: home });
    expect(run.code, run.stderr).toBe(0);

    const lines = readFileSync(join(out, "gsm8k-run1.items.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(5);
    const first = JSON.parse(lines[0]!) as { key: string; scores: Record<string, number>; detail: { response: string } };
    expect(Object.keys(first.scores).sort()).toEqual(["exact_match_flexible", "exact_match_strict"]);
    expect(first.detail.response.length).toBeGreaterThan(0);

    const fromFolder = await runKitt(["results", "items", out, "--json"], { KITT_HOME: home });
    expect(fromFolder.code, fromFolder.stderr).toBe(0);
    const shown = fromFolder.stdout.trim().split("\n").map((line) => JSON.parse(line) as { test: string; run: number; key: string });
    expect(shown.map((item) => [item.test, item.run])).toEqual(Array(5).fill(["gsm8k", 1]));
    expect(shown.map((item) => item.key).sort()).toEqual(lines.map((line) => (JSON.parse(line) as { key: string }).key).sort());

    // The stored run, by id: the same items, as a table.
    const listed = JSON.parse((await runKitt(["results", "list", "--json"], { KITT_HOME: home })).stdout) as Array<{ id: string }>;
    expect(listed).toHaveLength(1);
    const table = await runKitt(["results", "items", listed[0]!.id, "--limit", "2"], { KITT_HOME: home });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("exact_match_strict 0");
    expect(table.stdout).toContain("2 of 5 items");

    // Imported into another database from the folder: the items come along.
    const db = join(work, "other.db");
    expect((await runKitt(["storage", "import", out, "--db", db], { KITT_HOME: home })).code).toBe(0);
    const otherId = (JSON.parse((await runKitt(["results", "list", "--json", "--db", db], { KITT_HOME: home })).stdout) as Array<{ id: string }>)[0]!.id;
    const imported = await runKitt(["results", "items", otherId, "--db", db, "--json", "--wrong"], { KITT_HOME: home });
    expect(imported.stdout.trim().split("\n")).toHaveLength(5); // the emulator never answers a sum right

    const missing = await runKitt(["results", "items", out, "--test", "mmlu"], { KITT_HOME: home });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no items for mmlu; ");
    expect(missing.stderr).toContain("has: gsm8k run 1");
  }, 120_000);

  it("--json gives every item unless --limit is given; a table that stops early says how many more", async () => {
    await using emulator = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 0 });
    await emulator.ready;
    const home = tempKittHome();
    const work = mkdtempSync(join(tmpdir(), "kitt-items-all-"));
    const suite = join(work, "suite.yaml");
    writeFileSync(suite, `suite_name: items_all\ntests:\n  - name: gsm8k\n    shots: 0\n    max_gen_tokens: 4\n    data_dir: ${JSON.stringify(gsm8kFolder(1_063))}\n`);
    const out = join(work, "results");
    const run = await runKitt(["run", "-e", "vllm", "--url", emulator.url, "-m", "tiny", "-s", suite, "-o", out, "--no-store"], { KITT_HOME: home });
    expect(run.code, run.stderr).toBe(0);

    const lines = (result: { stdout: string }) => result.stdout.trim().split("\n");
    const all = await runKitt(["results", "items", out, "--json"], { KITT_HOME: home });
    expect(all.code, all.stderr).toBe(0);
    expect(new Set(lines(all).map((line) => (JSON.parse(line) as { key: string }).key)).size).toBe(1_063);
    expect(lines(await runKitt(["results", "items", out, "--json", "--limit", "7"], { KITT_HOME: home }))).toHaveLength(7);

    const table = await runKitt(["results", "items", out], { KITT_HOME: home });
    expect(table.stdout).toContain("50 of 1,063 items\n… 1,013 more; --limit N or --json for all\n");
    const whole = await runKitt(["results", "items", out, "--limit", "2000"], { KITT_HOME: home });
    expect(whole.stdout).toContain("1,063 of 1,063 items\n");
    expect(whole.stdout).not.toContain("more;");
  }, 180_000);
});
