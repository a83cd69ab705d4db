/**
 * `kitt run` through every engine adapter that cannot run here, end to end: the engine spec's
 * own native command line starts a local emulator of that engine (`--binary`), kitt waits
 * for it through the spec's readiness rule, streams through the spec's protocol, and writes
 * a results folder. TabbyAPI (docker-only) is reached as an endpoint (`--url`).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../emulators/index.mjs";
import { runKitt, tempKittHome } from "../support/cli.js";
import { safetensorsModel } from "../support/models.js";
import { freePort } from "../support/llama.js";
import { runningProcesses } from "../support/processes.js";

const bin = (name: string) => fileURLToPath(new URL(`../emulators/bin/${name}.mjs`, import.meta.url));


function checkRun(out: string, engine: string): void {
  const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  expect(metrics).toMatchObject({ status: "completed", passed: true, engine });
  const m = metrics.results[0].metrics;
  expect(m.requests).toBe(5);
  expect(m.token_source).toBe("server");
  expect(m.avg_tps).toBeGreaterThan(0);
  expect(m.avg_ttft_ms).toBeGreaterThan(0);
  expect(m.total_tokens_generated).toBe(5 * 256);
}

const emulatorEnv = { KITT_EMULATOR_STARTUP_MS: "700", KITT_EMULATOR_TOKEN_DELAY_MS: "0.2" };

describe("kitt run against emulated engines", () => {
  for (const engine of ["vllm", "sglang", "tgi"] as const) {
    it(`${engine}: native command line, readiness, protocol, results`, async () => {
      const port = await freePort();
      const out = join(mkdtempSync(join(tmpdir(), `kitt-${engine}-`)), "results");
      const result = await runKitt(
        ["run", "-e", engine, "-m", safetensorsModel(), "--runtime", "native", "--binary", bin(engine), "--port", String(port), "-o", out],
        { KITT_HOME: tempKittHome(), ...emulatorEnv },
      );
      expect(result.code, result.stderr).toBe(0);
      checkRun(out, engine);
      expect(runningProcesses((argv) => argv.some((arg) => arg.endsWith(`${engine}.mjs`)) && argv.includes(String(port)))).toEqual([]);
    }, 60_000);
  }

  it("ollama: a registry tag, NDJSON stream, eval_count usage", async () => {
    const port = await freePort();
    const out = join(mkdtempSync(join(tmpdir(), "kitt-ollama-")), "results");
    const result = await runKitt(
      ["run", "-e", "ollama", "-m", "tiny:latest", "--runtime", "native", "--binary", bin("ollama"), "--port", String(port), "-o", out],
      { KITT_HOME: tempKittHome(), ...emulatorEnv, KITT_EMULATOR_MODELS: "tiny:latest" },
    );
    expect(result.code, result.stderr).toBe(0);
    checkRun(out, "ollama");
  }, 60_000);

  it("exllamav2 (TabbyAPI) as an endpoint kitt does not own", async () => {
    await using tabby = await startEmulator("exllamav2", { model: "tiny-exl2", tokenDelayMs: 0.2 });
    await tabby.ready;
    const out = join(mkdtempSync(join(tmpdir(), "kitt-tabby-")), "results");
    const result = await runKitt(["run", "-e", "exllamav2", "--url", tabby.url, "-m", "tiny-exl2", "-o", out], { KITT_HOME: tempKittHome() });
    expect(result.code, result.stderr).toBe(0);
    checkRun(out, "exllamav2");
    // kitt owns nothing here: the endpoint still answers afterwards.
    expect((await fetch(`${tabby.url}/health`)).status).toBe(200);
  }, 60_000);

  it("an emulated engine that crashes mid-run is reported as ENGINE_DIED with its last log lines", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kitt-crash-")), "results");
    const suite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));
    const result = await runKitt(
      ["run", "-e", "vllm", "-m", safetensorsModel(), "--runtime", "native", "--binary", bin("vllm"), "--port", String(await freePort()), "-o", out, "-s", suite, "--skip-warmup"],
      { KITT_HOME: tempKittHome(), KITT_EMULATOR_TOKEN_DELAY_MS: "0.2", KITT_EMULATOR_EXIT_AFTER_MS: "1500" },
    );
    expect(result.code, result.stderr).toBe(11);
    expect(result.stderr).toMatch(/engine vllm \(pid \d+\) died during the run \(exit code 1\)/);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.status).toBe("failed");
    expect(metrics.results[0].metrics.requests).toBeGreaterThan(0);
  }, 60_000);
});
