/**
 * Runs are stored as they go, and whatever stops them the database and the results folder
 * agree: an interrupted `kitt bench serve` is stored `interrupted` (it was `running` while it
 * ran); one killed with -9 leaves its request records, from which `kitt storage import`
 * rebuilds a partial result; a `kitt run` killed with -9 is marked `interrupted` in the
 * database and in its folder by the next kitt command that opens the store.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/results-store.js";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { freePort } from "../support/llama.js";
import { safetensorsModel } from "../support/models.js";
import { runningProcesses } from "../support/processes.js";

const vllm = fileURLToPath(new URL("../emulators/bin/vllm.mjs", import.meta.url));
const longSuite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));
const emulatorEnv = { KITT_EMULATOR_STARTUP_MS: "300", KITT_EMULATOR_TOKEN_DELAY_MS: "1" };
const ports: number[] = [];

afterEach(() => {
  // An engine whose kitt was killed with -9 is left running: these tests started it, so they end it.
  for (const port of ports.splice(0)) {
    for (const pid of runningProcesses((argv) => argv.some((arg) => arg.endsWith("vllm.mjs")) && argv.includes(String(port)))) process.kill(pid, "SIGKILL");
  }
});

async function enginePort(): Promise<number> {
  const port = await freePort();
  ports.push(port);
  return port;
}

/** A serving run long enough to stop in the middle: 5,000 requests of 16 tokens, 8 at a time. */
async function serveArgs(out: string): Promise<string[]> {
  return ["bench", "serve", "-e", "vllm", "-m", safetensorsModel(), "--runtime", "native", "--binary", vllm, "--port", String(await enginePort()), "-o", out,
    "--dataset", "prompts", "--prompt", "Tell me about rivers.", "--num-prompts", "5000", "--random-output-len", "16", "--max-concurrency", "8", "--warmup-requests", "0"];
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function storedRuns(home: string): Promise<Array<{ id: string; kind: string; status: string }>> {
  const listed = await runKitt(["storage", "list", "--json"], { KITT_HOME: home });
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Array<{ id: string; kind: string; status: string }>;
}

function folder(prefix: string): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), "results");
}

/** The folder's run id, which the database stores it under. */
function runIdOf(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { run_id: string }).run_id;
}

describe("serving runs stored as they go", () => {
  it("an interrupted bench serve is stored running while it runs, then interrupted with its partial result", async () => {
    const home = tempKittHome();
    const out = folder("kitt-serve-sigint-");
    const kitt = startKitt(await serveArgs(out), { KITT_HOME: home, ...emulatorEnv });
    await until(() => existsSync(join(out, "requests.jsonl")), "the measured requests");
    await until(async () => (await storedRuns(home)).some((run) => run.status === "running"), "the run row");
    const [running] = await storedRuns(home);
    expect(running).toMatchObject({ id: runIdOf(out), kind: "serve", status: "running" });
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);

    await using store = await openStore({ url: join(home, "kitt.db") });
    const run = (await store.getRun(runIdOf(out)))!;
    expect(run).toMatchObject({ kind: "serve", status: "interrupted", passed: false, results_dir: out });
    const serve = JSON.parse(readFileSync(join(out, "serve.json"), "utf8")) as { completed: number; stopped_because: string };
    expect(serve.stopped_because).toBe("aborted");
    expect(serve.completed).toBeLessThan(5000);
    expect(run.benchmarks[0]).toMatchObject({ partial: true, passed: false });
    expect(run.benchmarks[0]!.metric_values.completed).toBe(serve.completed);
    expect((await store.listRuns()).length).toBe(1);
  }, 120_000);

  it("a bench serve killed with -9 is imported from requests.jsonl as a partial result of every recorded request", async () => {
    const home = tempKittHome();
    const out = folder("kitt-serve-kill-");
    const kitt = startKitt(await serveArgs(out), { KITT_HOME: home, ...emulatorEnv });
    // Records reach the file in batches: wait for some, then kill in the middle of the run.
    await until(() => existsSync(join(out, "requests.jsonl")) && statSync(join(out, "requests.jsonl")).size > 0, "request records on disk");
    kitt.child.kill("SIGKILL");
    expect((await kitt.done).code).toBe(137);
    expect(existsSync(join(out, "serve.json"))).toBe(false);
    // Whole lines: a line the kill cut off (no newline yet) is no record.
    const lines = readFileSync(join(out, "requests.jsonl"), "utf8").split("\n").length - 1;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThan(5000);
    // The run was stored at its start; the next command finds its writer dead.
    expect(await storedRuns(home)).toEqual([expect.objectContaining({ id: runIdOf(out), kind: "serve", status: "interrupted" })]);

    const imported = await runKitt(["storage", "import", out], { KITT_HOME: home });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`${runIdOf(out)}  ${out}  (updated)`);
    await using store = await openStore({ url: join(home, "kitt.db") });
    const run = (await store.getRun(runIdOf(out)))!;
    expect(run).toMatchObject({ kind: "serve", status: "interrupted", passed: false });
    const [serve] = run.benchmarks;
    expect(serve).toMatchObject({ partial: true });
    expect(serve!.metrics).toMatchObject({ partial: true, rebuilt_from: "requests.jsonl", model_id: "tiny-model" });
    expect(serve!.metric_values.completed! + serve!.metric_values.failed!).toBe(lines);
    expect(serve!.metric_values.total_output_tokens).toBe(serve!.metric_values.completed! * 16);
    expect(serve!.metric_values.mean_ttft_ms).toBeGreaterThan(0);
    // Importing it again changes nothing.
    const again = await runKitt(["storage", "import", out], { KITT_HOME: home });
    expect(again.stdout).toContain(`${runIdOf(out)}  ${out}  (already stored)`);
    expect((await store.listRuns()).length).toBe(1);
  }, 120_000);
});

describe("a kitt run killed with -9", () => {
  it("is marked interrupted in the database and in its folder by the next kitt command", async () => {
    const home = tempKittHome();
    const out = folder("kitt-run-kill-");
    const kitt = startKitt(
      ["run", "-e", "vllm", "-m", safetensorsModel(), "--runtime", "native", "--binary", vllm, "--port", String(await enginePort()), "-o", out, "-s", longSuite, "--skip-warmup"],
      { KITT_HOME: home, ...emulatorEnv },
    );
    await until(async () => (await storedRuns(home)).some((run) => run.status === "running"), "the run row");
    kitt.child.kill("SIGKILL");
    expect((await kitt.done).code).toBe(137);
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).status).toBe("running");

    expect(await storedRuns(home)).toEqual([expect.objectContaining({ id: runIdOf(out), kind: "run", status: "interrupted" })]);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { status: string; stop_reason: string; finished_at: string | null };
    expect(metrics).toMatchObject({ status: "interrupted", stop_reason: "the kitt process writing this run died" });
    expect(metrics.finished_at).not.toBeNull();
    expect(readFileSync(join(out, "summary.md"), "utf8")).toContain("**Status:** interrupted");
    const shown = await runKitt(["storage", "show", runIdOf(out)], { KITT_HOME: home });
    expect(shown.stdout).toContain(`run · interrupted (the kitt process writing this run died)`);
    expect(shown.stdout).toContain(`results folder ${out}`);
  }, 120_000);
});
